package e2e

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// backupConfig is a server with the API and its store at STORE.
const backupConfig = `
sip:
  listen: [udp://127.0.0.1:0]
rtp:
  ports: 47000-47098
http:
  listen: 127.0.0.1:0
log:
  format: json
admin_tokens: ["` + adminToken + `"]
rooms:
  - {number: "1000", name: From the config}
store:
  path: STORE
`

// TestOnlineBackupAndRestore: `parley backup` copies the store of a running
// `parley serve`; what is written afterwards is not in the copy; a server
// started on the copy (the restore) has the rooms made through the API.
func TestOnlineBackupAndRestore(t *testing.T) {
	dir := t.TempDir()
	writeConfig := func(name, store string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(strings.Replace(backupConfig, "STORE", store, 1)), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	live := filepath.Join(dir, "live", "parley.db")
	backup := filepath.Join(dir, "backup.db")
	liveConfig := writeConfig("live.yaml", live)
	restoredConfig := writeConfig("restored.yaml", backup)

	srv := startParley(t, string(mustRead(t, liveConfig)))
	if code := srv.apiCall(t, "POST", "/api/v1/rooms", map[string]any{"number": "2000", "name": "Kept by the backup"}, nil); code != http.StatusCreated {
		t.Fatalf("POST room 2000: %d", code)
	}

	out, errOut, code := runCLI(t, nil, "backup", backup, "--config", liveConfig)
	if code != 0 || !strings.Contains(out, "copied to "+backup) {
		t.Fatalf("parley backup while serving: exit %d: %s%s", code, out, errOut)
	}
	if _, errOut, code := runCLI(t, nil, "backup", backup, "--config", liveConfig); code != 1 || !strings.Contains(errOut, "exists") {
		t.Errorf("a second backup to the same file: exit %d: %s; want 1 and a refusal", code, errOut)
	}
	if code := srv.apiCall(t, "POST", "/api/v1/rooms", map[string]any{"number": "2001", "name": "After the backup"}, nil); code != http.StatusCreated {
		t.Fatalf("POST room 2001: %d", code)
	}
	if out, errOut, code := runCLI(t, nil, "migrate", "--dry-run", "--config", restoredConfig); code != 0 || !strings.Contains(out, "up to date") {
		t.Errorf("migrate --dry-run on the backup: exit %d: %s%s", code, out, errOut)
	}
	srv.stop(t)

	restored := startParley(t, string(mustRead(t, restoredConfig)))
	var room map[string]any
	if code := restored.apiCall(t, "GET", "/api/v1/rooms/2000", nil, &room); code != http.StatusOK || room["name"] != "Kept by the backup" {
		t.Errorf("room 2000 from the backup: %d %v", code, room)
	}
	if code := restored.apiCall(t, "GET", "/api/v1/rooms/2001", nil, nil); code != http.StatusNotFound {
		t.Errorf("room 2001, made after the backup: %d, want 404", code)
	}
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
