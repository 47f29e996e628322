terraform {
  # 1.6 is the first release OpenTofu forked from, so the module runs on both.
  required_version = ">= 1.6.0"

  required_providers {
    helm = {
      source  = "hashicorp/helm"
      version = "~> 3.0"
    }
  }
}
