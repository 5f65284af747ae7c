// Package erlper runs Erlang's ASN.1 compiler (`erlc -bper`, Debian's
// erlang-asn1) as an aligned-PER codec independent of h323/per, for
// differential tests:
//
//	c := erlper.Start(t) // H.225.0, H.235 and H.245 from h323/per/asn1
//	b, _ := perType.Encode(v)                       // Go encodes
//	e, err := c.Reencode("H323-MESSAGES", "H323-UserInformation", b)
//	// Erlang decoded b and encoded the value again: e must equal b.
//	b2, err := c.Encode("MULTIMEDIA-SYSTEM-CONTROL", "UserInputIndication",
//		`{alphanumeric, "1"}`)                       // Erlang encodes a term
//
// Values are Erlang terms in the compiler's maps representation: a
// SEQUENCE is a map with atom keys, a CHOICE {Alternative, Value}, NULL
// 'NULL', an OCTET STRING a binary, an OBJECT IDENTIFIER a tuple, a
// character string a list of code points (internal/erlterm writes a per
// value so).
//
// One `erl -noshell` process serves a test (see testdata/erlper_server.erl
// for the line protocol); the modules are compiled once per machine (see
// Compile). The test fails when erl or erlc is missing: `make test`
// installs erlang-base and erlang-asn1 (scripts/deps.sh).
//
// erlc (OTP 25.2.3, Debian 12) compiles the three modules unchanged: it
// needs each in a file named after the module and the imported ones
// compiled first. Where it differs from h323/per:
//   - a constrained open type, TYPE-IDENTIFIER.&Type (ClearToken), is the
//     constraining type's value in Erlang (a map), its encoding in Go;
//   - a BMPString character above 255 must be written {0,0,Row,Cell};
//   - its encoder is broken for Setup-UUIE with hopCount (it returns the
//     hopCount's octet alone), though its decoder is right; tests check
//     such values with Match (Erlang's decoder) only;
//   - its decoder is laxer than Go's: it takes non-minimal and unterminated
//     OBJECT IDENTIFIER arcs, constrained numbers above their range,
//     characters outside a permitted alphabet and octets left over in an
//     open type, all of which X.690/X.691 rule out and Go refuses.
package erlper

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Codec is one running Erlang codec process. Its methods may be called from
// several goroutines; requests are answered one at a time.
type Codec struct {
	mu     sync.Mutex
	cmd    *exec.Cmd
	in     io.WriteCloser
	out    *bufio.Reader
	stderr *lockedBuffer
}

// lockedBuffer collects erl's standard error while the test may read it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(b.buf.String())
}

// Start compiles (or finds compiled) the repository's H.323 ASN.1 modules,
// h323/per/asn1/*.asn, starts the codec process and stops it when the test
// ends. It fails the test when the modules cannot be found or compiled or
// Erlang is not installed.
func Start(t testing.TB) *Codec {
	t.Helper()
	dir, err := ModulesDir()
	if err != nil {
		t.Fatal(err)
	}
	paths, err := filepath.Glob(filepath.Join(dir, "*.asn"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("erlper: no ASN.1 modules in %s", dir)
	}
	return StartModules(t, paths...)
}

// StartModules is Start for the ASN.1 module files named by paths.
func StartModules(t testing.TB, paths ...string) *Codec {
	t.Helper()
	beams, err := Compile(paths...)
	if err != nil {
		t.Fatal(err)
	}
	c, err := start(beams)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.stop)
	return c
}

// ModulesDir finds h323/per/asn1 in the module root above the working
// directory (a test runs in its package's directory).
func ModulesDir() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("erlper: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "h323", "per", "asn1"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("erlper: no go.mod above the working directory")
		}
		dir = parent
	}
}

func start(beams string) (*Codec, error) {
	cmd := exec.Command("erl", "-noshell", "-pa", beams, "-s", "erlper_server", "main")
	c := &Codec{cmd: cmd, stderr: &lockedBuffer{}}
	cmd.Stderr = c.stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("erlper: %w", err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("erlper: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("erlper: starting erl: %w", err)
	}
	c.in, c.out = in, bufio.NewReaderSize(out, 1<<16)
	return c, nil
}

func (c *Codec) stop() {
	c.in.Close() // the server halts at end of input
	if err := c.cmd.Wait(); err != nil {
		c.cmd.Process.Kill()
	}
}

// Reencode has Erlang decode b as type typ of module (e.g. "H323-MESSAGES",
// "H323-UserInformation") and encode the value again, and returns that
// encoding. A decoding error, or whole octets left unread, is an error.
func (c *Codec) Reencode(module, typ string, b []byte) ([]byte, error) {
	out, err := c.call("dec", module, typ, hex.EncodeToString(b))
	if err != nil {
		return nil, err
	}
	return decodeHex(out)
}

// Encode has Erlang encode the value written as Erlang term text (see the
// package comment, and internal/erlterm) as type typ of module.
func (c *Codec) Encode(module, typ, term string) ([]byte, error) {
	if strings.ContainsAny(term, "\r\n") {
		return nil, errors.New("erlper: a term must be on one line")
	}
	out, err := c.call("enc", module, typ, term)
	if err != nil {
		return nil, err
	}
	return decodeHex(out)
}

// Match has Erlang decode b as type typ of module and compare the value
// with the one written as Erlang term text: nil if they are equal, else an
// error with the value Erlang decoded. It checks an encoding by Erlang's
// decoder alone, where Erlang's encoder is in doubt.
func (c *Codec) Match(module, typ string, b []byte, term string) error {
	if strings.ContainsAny(term, "\r\n") {
		return errors.New("erlper: a term must be on one line")
	}
	_, err := c.call("match", module, typ, hex.EncodeToString(b)+" "+term)
	return err
}

// Show has Erlang decode b as type typ of module and returns the value as
// Erlang prints it, for test failure messages.
func (c *Codec) Show(module, typ string, b []byte) (string, error) {
	return c.call("show", module, typ, hex.EncodeToString(b))
}

func (c *Codec) call(op, module, typ, arg string) (string, error) {
	if strings.ContainsAny(module+typ, " \r\n") {
		return "", fmt.Errorf("erlper: bad module or type name %q %q", module, typ)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, err := fmt.Fprintf(c.in, "%s %s %s %s\n", op, module, typ, arg); err != nil {
		return "", fmt.Errorf("erlper: writing to erl: %w (stderr: %s)", err, c.stderr)
	}
	line, err := c.out.ReadString('\n')
	if err != nil {
		return "", fmt.Errorf("erlper: reading from erl: %w (stderr: %s)", err, c.stderr)
	}
	line = strings.TrimSuffix(line, "\n")
	if rest, ok := strings.CutPrefix(line, "ok "); ok {
		return rest, nil
	}
	if rest, ok := strings.CutPrefix(line, "error "); ok {
		return "", fmt.Errorf("erlang %s %s: %s", module, typ, rest)
	}
	return "", fmt.Errorf("erlper: unexpected answer %q", line)
}

func decodeHex(s string) ([]byte, error) {
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("erlper: answer %q: %w", s, err)
	}
	return b, nil
}
