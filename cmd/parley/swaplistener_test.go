package main

import (
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"
)

// TestSwapListener: an http.Server serving a swapListener answers on the
// new address after Swap and no longer on the old one, a connection
// accepted before the swap goes on, and Close ends Serve.
func TestSwapListener(t *testing.T) {
	first, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sw := newSwapListener(first)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(sw) }()
	oldAddr := sw.Addr().String()

	// A keep-alive connection made before the swap.
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	kept := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	get(t, kept, "http://"+oldAddr+"/")

	second, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := sw.Swap(second); err != nil {
		t.Fatal(err)
	}
	if got := sw.Addr().String(); got != second.Addr().String() {
		t.Errorf("Addr after Swap = %s, want %s", got, second.Addr())
	}
	fresh := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: 5 * time.Second}
	get(t, fresh, "http://"+sw.Addr().String()+"/")
	get(t, kept, "http://"+oldAddr+"/") // the connection accepted before the swap
	if c, err := net.DialTimeout("tcp", oldAddr, time.Second); err == nil {
		c.Close()
		t.Errorf("the old address %s still accepts", oldAddr)
	}

	if err := sw.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := <-served; !errors.Is(err, net.ErrClosed) {
		t.Errorf("Serve = %v, want net.ErrClosed", err)
	}
	third, _ := net.Listen("tcp", "127.0.0.1:0")
	if err := sw.Swap(third); !errors.Is(err, net.ErrClosed) {
		t.Errorf("Swap after Close = %v, want net.ErrClosed", err)
	}
	if c, err := net.DialTimeout("tcp", third.Addr().String(), time.Second); err == nil {
		c.Close()
		t.Error("Swap after Close left its listener open")
	}
	srv.Close()
}

func get(t *testing.T, c *http.Client, url string) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "ok" {
		t.Fatalf("GET %s = %q", url, body)
	}
}
