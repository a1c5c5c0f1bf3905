// sumdbhelper: the Go side of the 'trust' suite, built with Debian's Go 1.19
// in GOPATH mode against golang.org/x/mod 0.7.0 (golang-golang-x-mod-dev).
//
//	sumdbhelper keygen NAME PREFIX          write PREFIX.skey and PREFIX.vkey
//	sumdbhelper mkzips MIRROR PROXYDIR      toolchain module zips (distpack layout)
//	                                        from a tests/fixtures/mkmirror.py mirror;
//	                                        prints "<version> <dirhash.HashZip>" lines
//	sumdbhelper hashzip ZIP                 print dirhash.HashZip(ZIP)
//	sumdbhelper serve -proxy DIR -skey FILE -portfile FILE [-mode MODE] [-pad N]
//	                                        [-altkey FILE] [-name NAME]
//
// serve runs a GOPROXY at / (golang.org/toolchain/@v/...) and a checksum
// database built from x/mod's own server (sumdb.NewServer over
// sumdb.TestServer) both at / (lookup, latest, tile) and at /sumdb/NAME/.
// Every module in PROXYDIR is looked up at start, in sorted order, then -pad
// filler records follow, so the tree is the same in every run of one mode.
// Modes that misbehave:
//
//	wrong-h1    the records carry an h1 that is not the zip's
//	tamper-tile one byte of every hash tile is flipped
//	other-key   notes are signed by -altkey (same name, other key)
//	bad-sig     one byte of each note signature is flipped
//	fork        the filler records differ: same size, other history
//	rollback    no filler records: a smaller tree than the honest one
//	bad-zip     the proxy serves zips with one extra file
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/ioutil"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/sumdb"
	"golang.org/x/mod/sumdb/dirhash"
	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

const toolchain = "golang.org/toolchain"

func die(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "sumdbhelper: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) < 2 {
		die("usage: sumdbhelper keygen|mkzips|hashzip|serve ...")
	}
	switch os.Args[1] {
	case "keygen":
		keygen(os.Args[2:])
	case "mkzips":
		mkzips(os.Args[2:])
	case "hashzip":
		h, err := dirhash.HashZip(os.Args[2], dirhash.Hash1)
		if err != nil {
			die("%v", err)
		}
		fmt.Println(h)
	case "serve":
		serve(os.Args[2:])
	default:
		die("unknown command %q", os.Args[1])
	}
}

func keygen(args []string) {
	skey, vkey, err := note.GenerateKey(rand.Reader, args[0])
	if err != nil {
		die("%v", err)
	}
	must(ioutil.WriteFile(args[1]+".skey", []byte(skey), 0600))
	must(ioutil.WriteFile(args[1]+".vkey", []byte(vkey), 0644))
}

func must(err error) {
	if err != nil {
		die("%v", err)
	}
}

// ---- module zips --------------------------------------------------------

type mirrorFile struct {
	Filename string `json:"filename"`
	OS       string `json:"os"`
	Arch     string `json:"arch"`
	Version  string `json:"version"`
	Kind     string `json:"kind"`
}

// go1.21.5 and later (distpack): the releases that are modules.
func isModuleVersion(v string) bool {
	var minor int
	if _, err := fmt.Sscanf(strings.TrimPrefix(v, "go1."), "%d", &minor); err != nil {
		return false
	}
	return minor >= 21
}

// distpack: drop api/ doc/ misc/ test/, rename go.mod to _go.mod, regular
// files only, under the module@version/ prefix.
func moduleName(rel string) (string, bool) {
	top := strings.SplitN(rel, "/", 2)[0]
	switch top {
	case "api", "doc", "misc", "test", ".github":
		return "", false
	}
	if rel == "go.mod" || strings.HasSuffix(rel, "/go.mod") {
		rel = strings.TrimSuffix(rel, "go.mod") + "_go.mod"
	}
	return rel, true
}

type member struct {
	name string
	mode os.FileMode
	data []byte
}

func readArchive(path string) []member {
	var out []member
	raw, err := ioutil.ReadFile(path)
	must(err)
	if strings.HasSuffix(path, ".zip") {
		zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
		must(err)
		for _, f := range zr.File {
			if !f.Mode().IsRegular() {
				continue
			}
			rc, err := f.Open()
			must(err)
			data, err := ioutil.ReadAll(rc)
			must(err)
			out = append(out, member{f.Name, f.Mode(), data})
		}
		return out
	}
	gz, err := gzip.NewReader(bytes.NewReader(raw))
	must(err)
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		must(err)
		if h.Typeflag != tar.TypeReg {
			continue
		}
		data, err := ioutil.ReadAll(tr)
		must(err)
		out = append(out, member{h.Name, os.FileMode(h.Mode) & 0777, data})
	}
	return out
}

func goarch(os_, arch string) string {
	if arch == "armv6l" {
		return "arm"
	}
	return arch
}

func mkzips(args []string) {
	mirror, out := args[0], args[1]
	raw, err := ioutil.ReadFile(filepath.Join(mirror, "MANIFEST.json"))
	must(err)
	files := map[string]mirrorFile{}
	must(json.Unmarshal(raw, &files))
	dir := filepath.Join(out, toolchain, "@v")
	must(os.MkdirAll(dir, 0755))
	var versions []string
	for _, f := range files {
		if f.Kind != "archive" || !isModuleVersion(f.Version) {
			continue
		}
		vers := fmt.Sprintf("v0.0.1-%s.%s-%s", f.Version, f.OS, goarch(f.OS, f.Arch))
		members := readArchive(filepath.Join(mirror, f.Filename))
		sort.Slice(members, func(i, j int) bool { return members[i].name < members[j].name })
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, m := range members {
			rel := strings.TrimPrefix(m.name, "go/")
			name, ok := moduleName(rel)
			if !ok {
				continue
			}
			h := &zip.FileHeader{Name: toolchain + "@" + vers + "/" + name, Method: zip.Deflate}
			h.SetMode(m.mode)
			w, err := zw.CreateHeader(h)
			must(err)
			_, err = w.Write(m.data)
			must(err)
		}
		must(zw.Close())
		base := filepath.Join(dir, vers)
		must(ioutil.WriteFile(base+".zip", buf.Bytes(), 0644))
		must(ioutil.WriteFile(base+".mod", []byte("module golang.org/toolchain\n"), 0644))
		info := fmt.Sprintf("{%q:%q, %q:%q}\n", "Version", vers, "Time", "2023-12-05T18:00:00Z")
		must(ioutil.WriteFile(base+".info", []byte(info), 0644))
		versions = append(versions, vers)
	}
	sort.Strings(versions)
	must(ioutil.WriteFile(filepath.Join(dir, "list"), []byte(strings.Join(versions, "\n")+"\n"), 0644))
	for _, v := range versions {
		h, err := dirhash.HashZip(filepath.Join(dir, v+".zip"), dirhash.Hash1)
		must(err)
		fmt.Printf("%s %s\n", v, h)
	}
}

// ---- the server ---------------------------------------------------------

type ops struct {
	*sumdb.TestServer
	mode   string
	altkey string
}

func (o *ops) Signed(ctx context.Context) ([]byte, error) {
	msg, err := o.TestServer.Signed(ctx)
	if err != nil {
		return nil, err
	}
	switch o.mode {
	case "other-key":
		n, err := note.Open(msg, note.VerifierList())
		if n == nil {
			// Unverified (no verifiers given): the text is still there.
			if e, ok := err.(*note.UnverifiedNoteError); ok {
				n = e.Note
			} else {
				return nil, err
			}
		}
		s, err := note.NewSigner(o.altkey)
		if err != nil {
			return nil, err
		}
		return note.Sign(&note.Note{Text: n.Text}, s)
	case "bad-sig":
		// Flip a bit in the Ed25519 part of the last signature line.
		i := bytes.LastIndex(msg, []byte(" "))
		line := strings.TrimSpace(string(msg[i+1:]))
		sig, err := base64.StdEncoding.DecodeString(line)
		if err != nil {
			return nil, err
		}
		sig[len(sig)-1] ^= 1
		return append(msg[:i+1], []byte(base64.StdEncoding.EncodeToString(sig)+"\n")...), nil
	}
	return msg, nil
}

func (o *ops) ReadTileData(ctx context.Context, t tlog.Tile) ([]byte, error) {
	data, err := o.TestServer.ReadTileData(ctx, t)
	if err == nil && o.mode == "tamper-tile" && len(data) > 0 {
		data = append([]byte(nil), data...)
		data[len(data)-1] ^= 1
	}
	return data, err
}

func serve(args []string) {
	fs := flag.NewFlagSet("serve", flag.ExitOnError)
	proxy := fs.String("proxy", "", "GOPROXY folder")
	skeyFile := fs.String("skey", "", "signer key file")
	altFile := fs.String("altkey", "", "other signer key (mode other-key)")
	portFile := fs.String("portfile", "", "where to write the port")
	mode := fs.String("mode", "honest", "how to misbehave")
	pad := fs.Int("pad", 300, "filler records after the modules")
	port := fs.Int("port", 0, "port to listen on (0: any)")
	must(fs.Parse(args))

	skey, err := ioutil.ReadFile(*skeyFile)
	must(err)
	name := strings.SplitN(strings.TrimPrefix(string(skey), "PRIVATE+KEY+"), "+", 2)[0]
	var altkey []byte
	if *altFile != "" {
		altkey, err = ioutil.ReadFile(*altFile)
		must(err)
	}
	dir := filepath.Join(*proxy, toolchain, "@v")

	gosum := func(path, vers string) ([]byte, error) {
		if path != toolchain {
			// Filler: a record that is not a toolchain.
			h := sha256.Sum256([]byte(*mode + path + vers))
			if *mode != "fork" {
				h = sha256.Sum256([]byte(path + vers))
			}
			sum := "h1:" + base64.StdEncoding.EncodeToString(h[:])
			return []byte(fmt.Sprintf("%s %s %s\n", path, vers, sum)), nil
		}
		h, err := dirhash.HashZip(filepath.Join(dir, vers+".zip"), dirhash.Hash1)
		if err != nil {
			return nil, err
		}
		if *mode == "wrong-h1" {
			w := sha256.Sum256([]byte("wrong " + vers))
			h = "h1:" + base64.StdEncoding.EncodeToString(w[:])
		}
		modh, err := dirhash.Hash1([]string{"go.mod"}, func(string) (io.ReadCloser, error) {
			return ioutil.NopCloser(strings.NewReader("module golang.org/toolchain\n")), nil
		})
		if err != nil {
			return nil, err
		}
		return []byte(fmt.Sprintf("%s %s %s\n%s %s/go.mod %s\n", path, vers, h, path, vers, modh)), nil
	}
	o := &ops{TestServer: sumdb.NewTestServer(string(skey), gosum), mode: *mode, altkey: string(altkey)}

	// The same tree in every run of a mode.
	list, _ := ioutil.ReadFile(filepath.Join(dir, "list"))
	ctx := context.Background()
	for _, v := range strings.Fields(string(list)) {
		if _, err := o.Lookup(ctx, module.Version{Path: toolchain, Version: v}); err != nil {
			die("%v", err)
		}
	}
	if *mode != "rollback" {
		for i := 0; i < *pad; i++ {
			m := module.Version{Path: "example.com/filler", Version: fmt.Sprintf("v1.0.%d", i)}
			if _, err := o.Lookup(ctx, m); err != nil {
				die("%v", err)
			}
		}
	}

	db := sumdb.NewServer(o)
	mux := http.NewServeMux()
	for _, p := range sumdb.ServerPaths {
		mux.Handle(p, db)
	}
	prefix := "/sumdb/" + name
	mux.HandleFunc(prefix+"/supported", func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
	})
	mux.Handle(prefix+"/", http.StripPrefix(prefix, db))
	files := http.FileServer(http.Dir(*proxy))
	mux.HandleFunc("/"+toolchain+"/@v/", func(w http.ResponseWriter, r *http.Request) {
		if *mode == "bad-zip" && strings.HasSuffix(r.URL.Path, ".zip") {
			serveBadZip(w, filepath.Join(*proxy, filepath.FromSlash(r.URL.Path)))
			return
		}
		files.ServeHTTP(w, r)
	})

	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", *port))
	must(err)
	bound := ln.Addr().(*net.TCPAddr).Port
	must(ioutil.WriteFile(*portFile+".tmp", []byte(fmt.Sprintf("%d\n", bound)), 0644))
	must(os.Rename(*portFile+".tmp", *portFile))
	die("%v", http.Serve(ln, mux))
}

// The zip with one more file in it: what a proxy that swapped the bytes serves.
func serveBadZip(w http.ResponseWriter, path string) {
	raw, err := ioutil.ReadFile(path)
	if err != nil {
		http.NotFound(w, nil)
		return
	}
	zr, err := zip.NewReader(bytes.NewReader(raw), int64(len(raw)))
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	prefix := ""
	for _, f := range zr.File {
		prefix = f.Name[:strings.Index(f.Name, "/")+1]
		must(zw.Copy(f))
	}
	wr, _ := zw.Create(prefix + "bin/extra")
	wr.Write([]byte("not in the log\n"))
	must(zw.Close())
	w.Write(buf.Bytes())
}
