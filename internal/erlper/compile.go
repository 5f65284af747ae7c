package erlper

import (
	"bytes"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
)

//go:embed testdata/erlper_server.erl
var serverSource []byte

// erlcFlags are the options every module is compiled with: aligned PER,
// SEQUENCEs as maps (so a test can write a value as an Erlang term), and
// decode returning the unread rest (so trailing octets are seen).
var erlcFlags = []string{"-bper", "+maps", "+undec_rest"}

var (
	moduleName = regexp.MustCompile(`(?m)^\s*([A-Za-z][A-Za-z0-9-]*)\s+DEFINITIONS\b`)
	importFrom = regexp.MustCompile(`\bFROM\s+([A-Za-z][A-Za-z0-9-]*)`)
)

// Compile compiles the ASN.1 module files named by paths with `erlc -bper`,
// and the request server beside them, into a directory of .beam files which
// it returns. The directory lives in os.TempDir and is named by a hash of
// the inputs (the modules, the server, the flags and the OTP version), so
// the compilation (30 s of CPU for H.225.0, H.235 and H.245; 55 s on a
// loaded two-core machine) happens once per machine until one of them
// changes; concurrent test binaries wait on a lock file for the one that
// compiles.
//
// erlc looks an imported module up by its name, so each file is copied to
// <ModuleName>.asn and the modules are compiled imports first.
func Compile(paths ...string) (string, error) {
	mods := map[string][]byte{}
	sum := sha256.New()
	sum.Write(serverSource)
	sum.Write([]byte(strings.Join(erlcFlags, " ")))
	sum.Write(otpVersion())
	for _, p := range paths {
		src, err := os.ReadFile(p)
		if err != nil {
			return "", fmt.Errorf("erlper: %w", err)
		}
		m := moduleName.FindSubmatch(src)
		if m == nil {
			return "", fmt.Errorf("erlper: %s: no module header", p)
		}
		mods[string(m[1])] = src
		sum.Write(src)
	}
	key := hex.EncodeToString(sum.Sum(nil))[:16]
	dir := filepath.Join(os.TempDir(), "parley-erlper-"+key)

	unlock, err := lock(dir + ".lock")
	if err != nil {
		return "", err
	}
	defer unlock()
	if _, err := os.Stat(filepath.Join(dir, "erlper_server.beam")); err == nil {
		return dir, nil
	}
	tmp, err := os.MkdirTemp(os.TempDir(), "parley-erlper-build-")
	if err != nil {
		return "", fmt.Errorf("erlper: %w", err)
	}
	defer os.RemoveAll(tmp)
	if err := build(tmp, mods); err != nil {
		return "", err
	}
	os.RemoveAll(dir)
	if err := os.Rename(tmp, dir); err != nil {
		return "", fmt.Errorf("erlper: %w", err)
	}
	return dir, nil
}

// otpVersion is the installed Erlang/OTP's version file (empty if not
// found), so that an upgrade of Erlang compiles the modules again.
func otpVersion() []byte {
	erl, err := exec.LookPath("erl")
	if err != nil {
		return nil
	}
	if erl, err = filepath.EvalSymlinks(erl); err != nil {
		return nil
	}
	files, _ := filepath.Glob(filepath.Join(filepath.Dir(erl), "..", "releases", "*", "OTP_VERSION"))
	var v []byte
	for _, f := range files {
		b, _ := os.ReadFile(f)
		v = append(v, b...)
	}
	return v
}

// build compiles mods and the server into dir.
func build(dir string, mods map[string][]byte) error {
	order, err := importOrder(mods)
	if err != nil {
		return err
	}
	for _, name := range order {
		src := filepath.Join(dir, name+".asn")
		if err := os.WriteFile(src, mods[name], 0o644); err != nil {
			return fmt.Errorf("erlper: %w", err)
		}
		args := append(append([]string{}, erlcFlags...), "-I", dir, "-o", dir, src)
		if err := run(dir, "erlc", args...); err != nil {
			return fmt.Errorf("erlper: compiling %s: %w", name, err)
		}
	}
	src := filepath.Join(dir, "erlper_server.erl")
	if err := os.WriteFile(src, serverSource, 0o644); err != nil {
		return fmt.Errorf("erlper: %w", err)
	}
	if err := run(dir, "erlc", "-o", dir, src); err != nil {
		return fmt.Errorf("erlper: compiling the server: %w", err)
	}
	return nil
}

// importOrder sorts the module names so that a module comes after the
// modules it imports from (those among mods).
func importOrder(mods map[string][]byte) ([]string, error) {
	var names []string
	for n := range mods {
		names = append(names, n)
	}
	sort.Strings(names)
	done := map[string]bool{}
	var order []string
	for len(order) < len(names) {
		progress := false
		for _, n := range names {
			if done[n] || !importsDone(mods[n], mods, done) {
				continue
			}
			done[n] = true
			order = append(order, n)
			progress = true
		}
		if !progress {
			return nil, errors.New("erlper: the modules import each other in a cycle")
		}
	}
	return order, nil
}

func importsDone(src []byte, mods map[string][]byte, done map[string]bool) bool {
	for _, m := range importFrom.FindAllSubmatch(src, -1) {
		dep := string(m[1])
		if _, ok := mods[dep]; ok && !done[dep] {
			return false
		}
	}
	return true
}

func run(dir, name string, args ...string) error {
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w: %s", name, err, bytes.TrimSpace(out.Bytes()))
	}
	return nil
}

// lock takes an exclusive flock on path, waiting for another holder.
func lock(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("erlper: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("erlper: lock %s: %w", path, err)
	}
	return func() { f.Close() }, nil
}
