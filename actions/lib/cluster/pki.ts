import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { CommandRunner } from '../ports'

/** The files of the local cluster's private PKI (one CA, generated per cluster). */
export interface ClusterPki {
  caCert: string
  caKey: string
  /** kube-apiserver's serving certificate, for 127.0.0.1 and localhost. */
  servingCert: string
  servingKey: string
  /** The admin client certificate (group system:masters) every component and user connects with. */
  adminCert: string
  adminKey: string
  /** Service-account token signing key pair. */
  serviceAccountKey: string
  serviceAccountPub: string
}

/** Generates a fresh CA and the certificates of one local cluster with openssl. */
export async function generateClusterPki(dir: string, runner: CommandRunner): Promise<ClusterPki> {
  await mkdir(dir, { recursive: true, mode: 0o700 })
  const path = (name: string) => join(dir, name)
  const pki: ClusterPki = {
    caCert: path('ca.crt'),
    caKey: path('ca.key'),
    servingCert: path('apiserver.crt'),
    servingKey: path('apiserver.key'),
    adminCert: path('admin.crt'),
    adminKey: path('admin.key'),
    serviceAccountKey: path('sa.key'),
    serviceAccountPub: path('sa.pub'),
  }
  const openssl = async (args: string[]) => {
    const result = await runner.run('openssl', args, { cwd: dir })
    if (result.exitCode !== 0) {
      throw new Error(`openssl ${args[0]} failed: ${result.stderr.trim().split('\n').pop() ?? ''}`)
    }
  }
  const key = (file: string) =>
    openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file])
  await key(pki.caKey)
  await openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    pki.caKey,
    '-subj',
    '/CN=golden-path-local-ca',
    '-days',
    '365',
    '-out',
    pki.caCert,
  ])

  const sign = async (
    name: string,
    keyFile: string,
    certFile: string,
    subject: string,
    extensions: string,
  ) => {
    const csr = path(`${name}.csr`)
    const ext = path(`${name}.ext`)
    await key(keyFile)
    await openssl(['req', '-new', '-key', keyFile, '-subj', subject, '-out', csr])
    await writeFile(ext, extensions)
    await openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      pki.caCert,
      '-CAkey',
      pki.caKey,
      '-CAcreateserial',
      '-days',
      '365',
      '-extfile',
      ext,
      '-out',
      certFile,
    ])
  }
  await sign(
    'apiserver',
    pki.servingKey,
    pki.servingCert,
    '/CN=kube-apiserver',
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n',
  )
  await sign(
    'admin',
    pki.adminKey,
    pki.adminCert,
    '/O=system:masters/CN=golden-path-admin',
    'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n',
  )
  await openssl([
    'genpkey',
    '-algorithm',
    'RSA',
    '-pkeyopt',
    'rsa_keygen_bits:2048',
    '-out',
    pki.serviceAccountKey,
  ])
  await openssl(['pkey', '-in', pki.serviceAccountKey, '-pubout', '-out', pki.serviceAccountPub])
  return pki
}
