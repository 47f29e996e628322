// Command golden-path-oci-registry serves an OCI 1.1 registry on loopback with the referrers
// API (GET /v2/<name>/referrers/<digest>) switched on: go-containerregistry's pkg/registry,
// the registry cosign's own tests use. `crane registry serve` runs the same code without the
// referrers API, and Debian's docker-registry (distribution 2.8) has none, so this is the
// registry the tests use for the referrers-API path of signing and verification.
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	address := flag.String("address", "127.0.0.1:0", "host:port to listen on (port 0: the kernel picks one)")
	blobDir := flag.String("blob-dir", "", "directory to keep blobs in (default: memory); manifests are always in memory")
	referrers := flag.Bool("referrers", true, "serve the OCI 1.1 referrers API")
	verbose := flag.Bool("log-requests", false, "log every request on stderr")
	flag.Parse()

	options := []registry.Option{registry.WithReferrersSupport(*referrers)}
	if *blobDir != "" {
		if err := os.MkdirAll(*blobDir, 0o700); err != nil {
			log.Fatalf("cannot create -blob-dir: %v", err)
		}
		options = append(options, registry.WithBlobHandler(registry.NewDiskBlobHandler(*blobDir)))
	}
	if !*verbose {
		options = append(options, registry.Logger(log.New(io.Discard, "", 0)))
	}
	listener, err := net.Listen("tcp", *address)
	if err != nil {
		log.Fatalf("cannot listen on %s: %v", *address, err)
	}
	// The chosen address on stdout, one line, so a caller that asked for port 0 learns it.
	fmt.Println(listener.Addr().String())
	server := &http.Server{Handler: registry.New(options...), ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(server.Serve(listener))
}
