package api

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// e164Example finds the E.164 numbers a document shows.
var e164Example = regexp.MustCompile(`\+[1-9][0-9]{7,14}\b`)

// TestDocumentedPhonesPassTheSMSCheck runs every phone number the API's
// documentation shows (the OpenAPI document, README.md, the API's own
// messages) through the check a link's phone must pass: an organiser who
// copies one must not be refused.
func TestDocumentedPhonesPassTheSMSCheck(t *testing.T) {
	docs := map[string][]byte{"openapi.json": openAPIDoc}
	files, _ := filepath.Glob("*.go")
	files = append(files, "../README.md")
	for _, f := range files {
		if matched, _ := filepath.Match("*_test.go", f); matched {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs[f] = data
	}
	n := 0
	for name, data := range docs {
		for _, phone := range e164Example.FindAllString(string(data), -1) {
			n++
			if _, err := checkPhone("phone", phone, ""); err != nil {
				t.Errorf("%s shows %s: %v", name, phone, err)
			}
		}
	}
	if n == 0 {
		t.Fatal("no documented phone numbers found")
	}
	// The link's phone field itself carries an example.
	if !regexp.MustCompile(`"phone": \{[^}]*"examples": \[\s*"\+`).Match(openAPIDoc) {
		t.Error("openapi.json: the link's phone has no example")
	}
}
