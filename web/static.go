package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static
var static embed.FS

// asset is one embedded file the page loads.
type asset struct {
	data        []byte
	contentType string
	etag        string // strong, from the content
}

// assets are the files of static/, by name, read once at start: they are
// fixed at build time.
var assets = loadAssets()

func loadAssets() map[string]asset {
	out := make(map[string]asset)
	entries, err := fs.ReadDir(static, "static")
	if err != nil {
		panic("web: " + err.Error()) // embedded at build time: cannot happen
	}
	for _, e := range entries {
		data, err := static.ReadFile("static/" + e.Name())
		if err != nil {
			panic("web: " + err.Error())
		}
		sum := sha256.Sum256(data)
		ct := mime.TypeByExtension(path.Ext(e.Name()))
		if ct == "" {
			ct = "application/octet-stream"
		}
		out[e.Name()] = asset{data: data, contentType: ct, etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
	}
	return out
}

// assetURL is the URL of the asset name under mount ("/join/",
// "/console/", "/app/"); its query names the content, so a new build's page
// never runs an old cached script.
func assetURL(mount, name string) string {
	return mount + name + "?v=" + strings.Trim(assets[name].etag, `"`)
}

// serveAsset serves GET /join/NAME for the embedded assets. Browsers may
// cache them, and must revalidate (ETag) after a day.
func serveAsset(w http.ResponseWriter, r *http.Request) {
	name := path.Base(r.URL.Path)
	a, ok := assets[name]
	if !ok {
		http.NotFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", a.contentType)
	hd.Set("ETag", a.etag)
	hd.Set("Cache-Control", "public, max-age=86400")
	hd.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(a.data))
}
