// Package packaging tests what packaging/ ships: `make deb` builds a .deb
// that lists the expected files, installs into a scratch root with dpkg
// (never the machine's own), whose unit systemd-analyze accepts.
package packaging

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// cmd runs name with args and returns its combined output, failing the test
// unless it exits 0.
func cmd(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// buildDeb runs `make deb` into a temporary directory and returns the one
// .deb it wrote.
func buildDeb(t *testing.T) string {
	t.Helper()
	out := t.TempDir()
	cmd(t, "make", "-C", "..", "deb", "DEB_OUT="+out, "DEB_VERSION=1.2.3~test")
	debs, _ := filepath.Glob(filepath.Join(out, "*.deb"))
	if len(debs) != 1 {
		t.Fatalf("make deb wrote %v, want one .deb", debs)
	}
	return debs[0]
}

// scratchRoot returns an empty root with the dpkg database dpkg --root
// needs.
func scratchRoot(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	for _, d := range []string{"var/lib/dpkg/info", "var/lib/dpkg/updates", "var/log"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(root, "var/lib/dpkg/status"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return root
}

// dpkg runs dpkg on root only: its maintainer scripts run outside a chroot
// with DPKG_ROOT set, and the ones Parley ships then touch only root. The
// scratch root has no libc6 or libopus0 packages, so dependencies are
// forced (the host has them: the binary runs below).
func dpkg(t *testing.T, root string, args ...string) string {
	t.Helper()
	return cmd(t, "dpkg", append([]string{"--root=" + root, "--log=" + filepath.Join(root, "var/log/dpkg.log"),
		"--force-script-chrootless", "--force-depends", "--force-not-root", "--force-confold"}, args...)...)
}

func TestDeb(t *testing.T) {
	for _, tool := range []string{"make", "dpkg-deb", "dpkg", "systemd-analyze"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is needed (scripts/deps.sh test installs it): %v", tool, err)
		}
	}
	deb := buildDeb(t)

	t.Run("contents", func(t *testing.T) {
		listing := cmd(t, "dpkg-deb", "-c", deb)
		for _, want := range []string{
			`-rwxr-xr-x root/root .* \./usr/bin/parley$`,
			`-rw-r--r-- root/root .* \./lib/systemd/system/parley\.service$`,
			`-rw-r--r-- root/root .* \./etc/parley/parley\.yaml$`,
			`-rw-r--r-- root/root .* \./usr/lib/sysusers\.d/parley\.conf$`,
			`drwxr-x--- root/root .* \./var/lib/parley/$`,
			`\./usr/share/doc/parley/OPERATIONS\.md$`,
		} {
			if !regexp.MustCompile(`(?m)` + want).MatchString(listing) {
				t.Errorf("dpkg-deb -c lacks %s:\n%s", want, listing)
			}
		}
		fields := cmd(t, "dpkg-deb", "-f", deb, "Package", "Version", "Depends")
		for _, want := range []string{"Package: parley", "Version: 1.2.3~test", "libopus0", "libbcg729-0", "libc6"} {
			if !strings.Contains(fields, want) {
				t.Errorf("control fields lack %q:\n%s", want, fields)
			}
		}
		if got := cmd(t, "dpkg-deb", "-I", deb, "conffiles"); strings.TrimSpace(got) != "/etc/parley/parley.yaml" {
			t.Errorf("conffiles = %q", got)
		}
	})

	root := scratchRoot(t)
	hostPasswd, _ := os.ReadFile("/etc/passwd")
	t.Run("install into a scratch root", func(t *testing.T) {
		dpkg(t, root, "-i", deb)
		if st := dpkg(t, root, "-s", "parley"); !strings.Contains(st, "Status: install ok installed") {
			t.Fatalf("dpkg -s:\n%s", st)
		}
		// The postinst made the account in the root, not on this machine.
		if passwd, _ := os.ReadFile(filepath.Join(root, "etc/passwd")); !regexp.MustCompile(`(?m)^parley:x:\d+:\d+:.*:/var/lib/parley:`).Match(passwd) {
			t.Errorf("no parley account in the root's /etc/passwd:\n%s", passwd)
		}
		if now, _ := os.ReadFile("/etc/passwd"); !bytes.Equal(now, hostPasswd) {
			t.Error("installing into the scratch root changed this machine's /etc/passwd")
		}
		// The installed binary runs, and accepts the installed config.
		conf := filepath.Join(root, "etc/parley/parley.yaml")
		if out := cmd(t, filepath.Join(root, "usr/bin/parley"), "check-config", conf); !strings.Contains(out, ": ok") {
			t.Errorf("check-config: %s", out)
		}
		// make deb's binary carries the commit (scripts/ldflags.sh), stripped or not.
		head := strings.TrimSpace(cmd(t, "git", "rev-parse", "--short=12", "HEAD"))
		if out := cmd(t, filepath.Join(root, "usr/bin/parley"), "version"); !strings.Contains(out, head) {
			t.Errorf("parley version = %q, want the commit %s", out, head)
		}
		if b, _ := os.ReadFile(conf); !strings.Contains(string(b), "\n  path: /var/lib/parley/parley.db\n") {
			t.Error("the installed config does not keep the store in /var/lib/parley")
		}
	})

	t.Run("systemd-analyze verify", func(t *testing.T) {
		unit := filepath.Join(root, "lib/systemd/system/parley.service")
		// verify checks that ExecStart's binary exists: the installed unit
		// names /usr/bin/parley, absent here, and is refused ...
		if out, err := exec.Command("systemd-analyze", "verify", "--man=no", unit).CombinedOutput(); err == nil {
			t.Errorf("verify accepted a unit whose binary is missing: %s", out)
		}
		// ... so a copy names the scratch root's binary instead.
		text, err := os.ReadFile(unit)
		if err != nil {
			t.Fatal(err)
		}
		copied := filepath.Join(t.TempDir(), "parley.service")
		fixed := strings.ReplaceAll(string(text), "/usr/bin/parley", filepath.Join(root, "usr/bin/parley"))
		if err := os.WriteFile(copied, []byte(fixed), 0o644); err != nil {
			t.Fatal(err)
		}
		if out := cmd(t, "systemd-analyze", "verify", "--man=no", copied); strings.TrimSpace(out) != "" {
			t.Errorf("systemd-analyze verify warns:\n%s", out)
		}
		// The hardening holds: systemd's own exposure score is at most 2.5
		// on its 0-10 scale (1.6 when written; --threshold counts tenths).
		cmd(t, "systemd-analyze", "security", "--offline=yes", "--threshold=25", copied)
	})

	t.Run("reinstall keeps the admin's config, removal keeps the data", func(t *testing.T) {
		conf := filepath.Join(root, "etc/parley/parley.yaml")
		edited := []byte("# the admin's own\nstore:\n  path: /var/lib/parley/parley.db\n")
		if err := os.WriteFile(conf, edited, 0o640); err != nil {
			t.Fatal(err)
		}
		db := filepath.Join(root, "var/lib/parley/parley.db")
		if err := os.WriteFile(db, []byte("data"), 0o600); err != nil {
			t.Fatal(err)
		}
		dpkg(t, root, "-i", deb)
		if b, _ := os.ReadFile(conf); !bytes.Equal(b, edited) {
			t.Errorf("reinstalling replaced the edited conffile:\n%s", b)
		}
		dpkg(t, root, "-r", "parley")
		if _, err := os.Stat(filepath.Join(root, "usr/bin/parley")); err == nil {
			t.Error("the binary is still there after dpkg -r")
		}
		if b, err := os.ReadFile(db); err != nil || string(b) != "data" {
			t.Errorf("the database after dpkg -r: %q, %v", b, err)
		}
		if _, err := os.Stat(conf); err != nil {
			t.Errorf("the conffile after dpkg -r (not purged): %v", err)
		}
	})
}
