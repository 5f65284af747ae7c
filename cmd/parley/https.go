package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/crypto/acme"
	"golang.org/x/crypto/acme/autocert"

	"github.com/parleyhq/parley/clientaddr"
	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/keypair"
)

// httpFront is what the http section makes of the HTTP listener besides
// its routes: HTTPS (certificate files or ACME) with HSTS, the plain-HTTP
// redirect, and the client address behind trusted proxies. newHTTPFront
// builds it and binds nothing.
type httpFront struct {
	tls     *tls.Config     // nil: plain HTTP
	cert    *keypair.Holder // the files' pair; nil with ACME or plain HTTP
	acme    *autocert.Manager
	hsts    string // the Strict-Transport-Security value; "" sends none
	proxies clientaddr.Proxies
	public  *url.URL // http.public_url when it is https://, where the redirect goes

	redirectAddr net.Addr // bound by startRedirect; nil without http.redirect_listen
}

// newHTTPFront reads the certificate files (an error names them) or sets
// up ACME, as cfg says.
func newHTTPFront(cfg config.HTTP, log *slog.Logger) (*httpFront, error) {
	f := &httpFront{proxies: clientaddr.New(cfg.TrustedPrefixes(), clientaddr.Header(http.CanonicalHeaderKey(cfg.ProxyHeader)))}
	if u, err := url.Parse(cfg.PublicURL); err == nil && u.Scheme == "https" {
		f.public = u
	}
	t := cfg.TLS
	if t == nil {
		return f, nil
	}
	if t.HSTS > 0 {
		f.hsts = "max-age=" + strconv.FormatInt(int64(t.HSTS.Seconds()), 10)
	}
	if a := t.ACME; a != nil {
		f.acme = &autocert.Manager{Prompt: autocert.AcceptTOS, Cache: autocert.DirCache(a.CacheDir),
			HostPolicy: autocert.HostWhitelist(a.Domains...), Email: a.Email,
			Client: &acme.Client{DirectoryURL: a.DirectoryURL}}
		f.tls = f.acme.TLSConfig()
		f.tls.MinVersion = tls.VersionTLS12
		log.Info("https certificates by acme", "domains", strings.Join(a.Domains, ","), "directory", a.DirectoryURL, "cache", a.CacheDir)
		return f, nil
	}
	cert, err := keypair.Load(t.Cert, t.Key, log)
	if err != nil {
		return nil, fmt.Errorf("http.tls: %w", err)
	}
	f.cert = cert
	f.tls = &tls.Config{GetCertificate: cert.GetCertificate, MinVersion: tls.VersionTLS12}
	return f, nil
}

// reloadCert reads the certificate files again (SIGHUP); on error the
// pair in use stays. Without certificate files it does nothing.
func (f *httpFront) reloadCert() error {
	if f.cert == nil {
		return nil
	}
	return f.cert.Reload()
}

// handler returns h behind the client address of trusted proxies and,
// over HTTPS, the HSTS header.
func (f *httpFront) handler(h http.Handler) http.Handler {
	h = f.proxies.Handler(h)
	if f.hsts == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Strict-Transport-Security", f.hsts)
		h.ServeHTTP(w, r)
	})
}

// serve serves srv on ln, over TLS when HTTPS is on; it returns Serve's
// error.
func (f *httpFront) serve(srv *http.Server, ln net.Listener) error {
	if f.tls == nil {
		return srv.Serve(ln)
	}
	srv.TLSConfig = f.tls
	return srv.ServeTLS(ln, "", "")
}

// redirect returns the handler of http.redirect_listen: GET /healthz and
// /readyz go to probes (so a load balancer may probe either port), ACME's
// HTTP-01 challenges to the ACME manager, and everything else is
// redirected (308, RFC 9110 §15.4.9) to the same path over HTTPS: on
// http.public_url's host when that is https://, else on the host the
// request named, at httpsPort (left out when 443).
func (f *httpFront) redirect(probes http.Handler, httpsPort int) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", probes)
	mux.Handle("GET /readyz", probes)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, f.httpsURL(r, httpsPort), http.StatusPermanentRedirect)
	})
	if f.acme != nil {
		return f.acme.HTTPHandler(mux)
	}
	return mux
}

// httpsURL is r's URL over HTTPS (see redirect).
func (f *httpFront) httpsURL(r *http.Request, httpsPort int) string {
	if f.public != nil {
		return "https://" + f.public.Host + r.URL.RequestURI()
	}
	host := r.Host
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")
	if httpsPort != 443 {
		host = net.JoinHostPort(host, strconv.Itoa(httpsPort))
	} else if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return "https://" + host + r.URL.RequestURI()
}

// startRedirect binds http.redirect_listen, if set, and serves the
// redirect to HTTPS there (probes from probes) until the app closes; ctx
// bounds the binding only.
func (a *app) startRedirect(ctx context.Context, probes http.Handler) error {
	addr := a.cfg.HTTP.RedirectListen
	if addr == "" {
		return nil
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("http.redirect_listen: %w", err)
	}
	srv := newHTTPServer(a.front.redirect(probes, a.httpLn.Addr().(*net.TCPAddr).Port), defaultHTTPTimeouts(), a.log)
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	a.closers = append(a.closers, func() {
		ctx, cancel := context.WithTimeout(context.Background(), httpDrain)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	})
	a.front.redirectAddr = ln.Addr()
	a.log.Info("http redirect listening", "addr", ln.Addr().String())
	return nil
}
