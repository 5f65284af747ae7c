package e2e

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeCert writes a self-signed certificate and key for 127.0.0.1.
func writeCert(t *testing.T, dir string) (certPath, keyPath string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "parley-e2e"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:    x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	return certPath, keyPath
}

// TestTLSListener: Parley listens for SIP over TLS with the configured
// certificate; openssl's TLS client sends an OPTIONS through it and gets 200.
func TestTLSListener(t *testing.T) {
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Fatal("openssl is not installed")
	}
	cert, key := writeCert(t, t.TempDir())
	srv := startParley(t, strings.Replace(roomConfig, "listen: [udp://127.0.0.1:0, tcp://127.0.0.1:0]",
		fmt.Sprintf("listen: [udp://127.0.0.1:0, tcp://127.0.0.1:0, tls://127.0.0.1:0]\n  tls: {cert: %s, key: %s}", cert, key), 1))
	if srv.sipTLS == "" {
		t.Fatal("parley logged no tls listener")
	}
	cmd := exec.Command("openssl", "s_client", "-connect", srv.sipTLS, "-quiet", "-verify_return_error", "-CAfile", cert)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	cmd.Stderr = nil
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	host, port, _ := net.SplitHostPort(srv.sipTLS)
	msg := strings.Join([]string{
		"OPTIONS sip:1000@" + srv.sipTLS + " SIP/2.0",
		"Via: SIP/2.0/TLS 127.0.0.1:5999;branch=z9hG4bK-e2e-tls-1;rport",
		"From: <sip:probe@127.0.0.1>;tag=e2e1",
		"To: <sip:1000@" + host + ":" + port + ">",
		"Call-ID: e2e-tls-options-1",
		"CSeq: 1 OPTIONS",
		"Max-Forwards: 70",
		"Content-Length: 0",
		"", "",
	}, "\r\n")
	if _, err := stdin.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("the TLS connection closed without a response")
			}
			if strings.HasPrefix(line, "SIP/2.0 ") {
				if !strings.HasPrefix(line, "SIP/2.0 200") {
					t.Fatalf("OPTIONS over TLS: %s", line)
				}
				return
			}
		case <-deadline:
			t.Fatal("no response to OPTIONS over TLS within 10 s")
		}
	}
}
