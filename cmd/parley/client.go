package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/parleyhq/parley/api"
)

// defaultAPI is where the admin commands find Parley without --api or
// PARLEY_API.
const defaultAPI = "http://127.0.0.1:8080"

// apiFlags are the flags every command that talks to the REST API takes.
type apiFlags struct {
	url   string
	token string
	json  bool
}

// addAPIFlags defines --api, --token and --json on fs.
func addAPIFlags(fs *flag.FlagSet) *apiFlags {
	f := &apiFlags{}
	def := os.Getenv("PARLEY_API")
	if def == "" {
		def = defaultAPI
	}
	fs.StringVar(&f.url, "api", def, "Parley's HTTP `URL` (default: $PARLEY_API or "+defaultAPI+")")
	fs.StringVar(&f.token, "token", os.Getenv("PARLEY_TOKEN"), "admin bearer `TOKEN` (default: $PARLEY_TOKEN)")
	fs.BoolVar(&f.json, "json", false, "print JSON for scripts instead of text for people")
	return f
}

// client calls Parley's REST API.
type client struct {
	base  string
	token string
	http  *http.Client
}

func (f *apiFlags) client() *client {
	return &client{base: strings.TrimRight(f.url, "/") + "/api/v1", token: f.token, http: &http.Client{Timeout: 15 * time.Second}}
}

// do sends body (if not nil) as JSON and decodes a 2xx answer into out (if
// not nil). Any other status comes back as an *api.Error.
func (c *client) do(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode/100 != 2 {
		e := &api.Error{}
		if json.Unmarshal(data, e) != nil || e.Message == "" {
			e.Message = strings.TrimSpace(string(data))
			if len(e.Message) > 200 {
				e.Message = e.Message[:200] + "…"
			}
		}
		e.Status = resp.StatusCode
		if e.Status == http.StatusUnauthorized && c.token == "" {
			e.Message += " (give --token or set PARLEY_TOKEN)"
		}
		return e
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("%s %s: bad answer: %w", method, path, err)
	}
	return nil
}

// printAPIError prints err as one line on w: the status, the message and
// the field at fault.
func printAPIError(w io.Writer, err error) {
	var e *api.Error
	if !errors.As(err, &e) {
		fmt.Fprintf(w, "parley: %v\n", err)
		return
	}
	fmt.Fprintf(w, "parley: %d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
	if e.Field != "" {
		fmt.Fprintf(w, " (field %s)", e.Field)
	}
	fmt.Fprintln(w)
}

// writeJSON prints v indented, for --json.
func writeJSON(w io.Writer, v any) {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// parseFlags parses args with fs, allowing flags after the positional
// arguments ("parley dial 1000 2001 --role moderator"), and returns the
// positional ones. Everything after "--" is positional.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
