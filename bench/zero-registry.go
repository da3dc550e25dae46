// A registry that does no work, in Go (the language docker-registry is written in), as a floor for
// bench/skopeo-floor.ts: it answers the push protocol and throws every body away unread by anything but io.Discard
// (no hash, no file), and serves one OCI image layout from memory (read once at start) — except to repositories
// under push/, where every blob is missing so that skopeo uploads them all. Bench-only, loopback only, no auth. Built and started by bench/zero-servers.ts; prints its address on the first line of stdout.
package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
)

type index struct {
	Manifests []struct {
		Digest    string `json:"digest"`
		MediaType string `json:"mediaType"`
	} `json:"manifests"`
}

var blobPath = regexp.MustCompile(`/blobs/(sha256:[0-9a-f]{64})$`)

func main() {
	layout := os.Args[1]
	raw, err := os.ReadFile(filepath.Join(layout, "index.json"))
	if err != nil {
		panic(err)
	}
	var idx index
	if err := json.Unmarshal(raw, &idx); err != nil {
		panic(err)
	}
	blobs := map[string][]byte{}
	entries, err := os.ReadDir(filepath.Join(layout, "blobs", "sha256"))
	if err != nil {
		panic(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(layout, "blobs", "sha256", e.Name()))
		if err != nil {
			panic(err)
		}
		blobs["sha256:"+e.Name()] = b
	}
	manifest := idx.Manifests[0]
	var next int64
	handler := func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v2/":
			w.WriteHeader(200)
		case strings.Contains(r.URL.Path, "/manifests/"):
			if r.Method == http.MethodPut {
				io.Copy(io.Discard, r.Body)
				w.Header().Set("Docker-Content-Digest", manifest.Digest)
				w.WriteHeader(201)
				return
			}
			body := blobs[manifest.Digest]
			w.Header().Set("Content-Type", manifest.MediaType)
			w.Header().Set("Content-Length", fmt.Sprint(len(body)))
			w.Header().Set("Docker-Content-Digest", manifest.Digest)
			if r.Method != http.MethodHead {
				w.Write(body)
			}
		case r.Method == http.MethodGet || r.Method == http.MethodHead:
			m := blobPath.FindStringSubmatch(r.URL.Path)
			body, ok := []byte(nil), false
			if m != nil && !strings.HasPrefix(r.URL.Path, "/v2/push/") {
				body, ok = blobs[m[1]]
			}
			if !ok {
				w.WriteHeader(404)
				return
			}
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Content-Length", fmt.Sprint(len(body)))
			if r.Method != http.MethodHead {
				w.Write(body)
			}
		default:
			io.Copy(io.Discard, r.Body)
			id := atomic.AddInt64(&next, 1)
			w.Header().Set("Location", fmt.Sprintf("/v2/zero/blobs/uploads/%d", id))
			if r.Method == http.MethodPut {
				w.WriteHeader(201)
			} else {
				w.WriteHeader(202)
			}
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	fmt.Println(ln.Addr().String())
	panic(http.Serve(ln, http.HandlerFunc(handler)))
}
