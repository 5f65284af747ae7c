package config

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/parleyhq/parley/rules"
)

// defaultYAML is the config `make run` uses when given none; it is parsed by
// Parse like any other file, so it doubles as a documented example.
//
//go:embed default.yaml
var defaultYAML string

// defaultName is the file name errors in the embedded default are reported
// under.
const defaultName = "default.yaml"

// Option changes how Load and Parse read a config.
type Option func(*options)

// options are the settings Options change.
type options struct {
	// lookup resolves ${VAR}; os.LookupEnv unless WithLookupEnv is given.
	lookup LookupFunc
}

// WithLookupEnv makes ${VAR} read from lookup instead of os.LookupEnv; tests
// use it to supply an environment of their own.
func WithLookupEnv(lookup LookupFunc) Option {
	return func(o *options) { o.lookup = lookup }
}

// Default returns a fresh copy of the embedded default config: SIP on
// udp://0.0.0.0:5060 and tcp://0.0.0.0:5060, RTP ports 10000-20000, HTTP on
// 0.0.0.0:8080, the store at ./data/parley.db, and rooms 1000 to 1009 with
// no PIN and no guest access. It does not read the environment or the disk.
//
// Default panics if the embedded file does not parse, which the package's
// tests rule out: like regexp.MustCompile, the input is fixed at build time.
func Default() *Config {
	c, err := Parse(defaultName, []byte(defaultYAML), WithLookupEnv(noEnv))
	if err != nil {
		panic("config: embedded default.yaml is invalid: " + err.Error())
	}
	return c
}

// noEnv is an environment in which no variable is set.
func noEnv(string) (string, bool) { return "", false }

// Load reads the config file at path and parses it with Parse, reporting
// errors under path, then checks that the files the config names load
// (http.tls.cert and key). An error reading the file is returned wrapped, so
// errors.Is(err, fs.ErrNotExist) works; problems in the file come as Errors.
func Load(path string, opts ...Option) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	c, err := Parse(path, data, opts...)
	if err != nil {
		return nil, err
	}
	c.src.path = path
	if err := c.checkHTTPSFiles(); err != nil {
		return nil, err
	}
	return c, nil
}

// Parse parses a YAML config, reporting errors under the file name name.
//
// It expands ${VAR} in every value from the environment ("$${" stands for a
// literal "${"), refuses unknown and duplicate keys, values of the wrong
// type and values out of range, fills in defaults for settings left out
// (see default.yaml; rooms, extensions, trunks, webhooks and dial_in have
// none, and smtp and sms get theirs only when the section is present), and
// runs Validate. The error, if any, is Errors with every problem found, in line
// order, each as "FILE:LINE: message"; the Config is then nil.
func Parse(name string, data []byte, opts ...Option) (*Config, error) {
	o := options{lookup: os.LookupEnv}
	for _, opt := range opts {
		opt(&o)
	}
	src := &source{file: name, lines: make(map[string]int), failed: make(map[string]bool)}
	root, err := parseYAML(name, data)
	if err != nil {
		return nil, err
	}
	c := &Config{}
	d := &decoder{lookup: o.lookup, src: src}
	if root != nil && !isNull(root) {
		if root.Kind != yaml.MappingNode {
			d.errs = append(d.errs, Error{File: name, Line: root.Line,
				Msg: "expected a mapping of sections at the top level, got " + describe(root)})
		} else {
			d.decode(root, reflect.ValueOf(c).Elem(), "")
		}
	}
	applyDefaults(c, src)
	c.src = src
	errs := d.errs
	var verrs Errors
	if err := c.Validate(); errors.As(err, &verrs) {
		errs = append(errs, verrs...)
	}
	if len(errs) > 0 {
		errs.sortByLine()
		return nil, errs.dedup()
	}
	return c, nil
}

// parseYAML parses data into the root node of its single document; nil for
// an empty document. Syntax errors come back as Errors with their line.
func parseYAML(name string, data []byte) (root *yaml.Node, err error) {
	// yaml.v3 reports syntax errors by panicking internally and recovering;
	// should a crafted input make it panic past that, report the input as
	// bad instead of taking the process down on a config reload.
	defer func() {
		if r := recover(); r != nil {
			root, err = nil, Errors{{File: name, Msg: fmt.Sprintf("yaml parser failed: %v", r)}}
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, Errors{yamlError(name, err)}
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case err == nil:
		return nil, Errors{{File: name, Line: extra.Line, Msg: "only one YAML document is allowed"}}
	case !errors.Is(err, io.EOF):
		return nil, Errors{yamlError(name, err)}
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	return doc.Content[0], nil
}

// yamlError turns a yaml.v3 error ("yaml: line 3: could not find expected
// ':'") into an Error with its line.
func yamlError(name string, err error) Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if num, after, ok := strings.Cut(rest, ": "); ok {
			if n, err := strconv.Atoi(num); err == nil {
				line, msg = n, after
			}
		}
	}
	// yaml.v3 counts lines from 0 in the errors of its parser (as opposed
	// to its scanner), and leaves the line out when it is the first one
	// (go-yaml/yaml#205); put those right.
	if parserProblems[msg] {
		line++
	}
	return Error{File: name, Line: line, Msg: msg}
}

// parserProblems are the messages of yaml.v3's parser (parserc.go), whose
// lines are 0-based.
var parserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected <stream-start>":   true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

// Defaults for settings left out of a file; default.yaml writes the same
// values out, and a test keeps the two in step.
const (
	defaultRTPPorts   = "10000-20000"
	defaultWebRTCPort = 7882
	defaultHTTPListen = "0.0.0.0:8080"
	defaultStorePath  = "./data/parley.db"
	defaultLogFormat  = "text"
	defaultRTPTimeout = 30 * time.Second
	defaultGuestRole  = "attendee"
	defaultSMTPPort   = 587
	defaultSMSMethod  = "POST"
)

// defaultSIPListen returns the SIP listen addresses used when none are given.
func defaultSIPListen() []string {
	return []string{"udp://0.0.0.0:5060", "tcp://0.0.0.0:5060"}
}

// applyDefaults fills in the settings that src shows were left out of the
// file. A setting written empty stays empty, for Validate to judge.
func applyDefaults(c *Config, src *source) {
	if !src.has("sip.listen") {
		c.SIP.Listen = defaultSIPListen()
	}
	if !src.has("sip.auth_algorithms") {
		c.SIP.AuthAlgorithms = []string{"MD5", "SHA-256"}
	}
	if !src.has("sip.keys") {
		c.SIP.Keys = map[string]string{"*6": "mute", "*1": "count", "*0": "help", "*2": "lock", "*3": "mute_all", "*9": "end"}
	}
	if !src.has("sip.max_unacked_per_source") {
		c.SIP.MaxUnackedPerSource = defaultMaxUnacked
	}
	if !src.has("sip.ack_timeout") {
		c.SIP.AckTimeout = defaultAckTimeout
	}
	if !src.has("prompts.announce_join_leave") {
		c.Prompts.AnnounceJoinLeave = true
	}
	if !src.has("webrtc.udp_port") {
		c.WebRTC.UDPPort = defaultWebRTCPort
	}
	if !src.has("rtp.ports") {
		c.RTP.Ports, _ = ParsePortRange(defaultRTPPorts)
	}
	if !src.has("http.listen") {
		c.HTTP.Listen = defaultHTTPListen
	}
	if !src.has("store.path") {
		c.Store.Path = defaultStorePath
	}
	if !src.has("store.driver") {
		c.Store.Driver = StoreSQLite
	}
	if !src.has("log.format") {
		c.Log.Format = defaultLogFormat
	}
	applyGuardDefaults(c, src)
	applyShutdownDefaults(c, src)
	applyH323Defaults(c, src)
	applyMeetingsDefaults(c, src)
	applyCodecsDefaults(c, src)
	applyAccountsDefaults(c, src)
	applyClusterDefaults(c, src)
	if !src.has("media.rtp_timeout") {
		c.Media.RTPTimeout = defaultRTPTimeout
	}
	applyTransportDefaults(c, src)
	applySRTPDefaults(c, src)
	applyHTTPSDefaults(c, src)
	if c.SMTP != nil {
		if !src.has("smtp.port") {
			c.SMTP.Port = defaultSMTPPort
		}
		if !src.has("smtp.starttls") {
			c.SMTP.StartTLS = true
		}
	}
	if c.SMS != nil && !src.has("sms.method") {
		c.SMS.Method = defaultSMSMethod
	}
	for i := range c.Rooms {
		if !src.has(index("rooms", i) + ".guest_role") {
			c.Rooms[i].GuestRole = defaultGuestRole
		}
		if !src.has(index("rooms", i) + ".guest_wait") {
			c.Rooms[i].GuestWait = rules.DefaultGuestWait
		}
	}
}
