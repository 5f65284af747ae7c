package config

import (
	"strings"
)

// This file holds the codecs list: the audio formats SIP legs may use.

// defaultCodecs is the codecs list when the file has none: Opus for
// softphones, G.722 for HD desk phones, then G.711.
var defaultCodecs = []string{"opus", "G722", "PCMU", "PCMA"}

// applyCodecsDefaults fills in the codecs list left out of the file.
func applyCodecsDefaults(c *Config, src *source) {
	if !src.has("codecs") {
		c.Codecs = append([]string(nil), defaultCodecs...)
	}
}

// codecs checks the form of the codecs list: at least one name, none
// empty or twice. Whether Parley has each codec is CheckCodecs's to say.
func (v *validator) codecs(names []string) {
	if len(names) == 0 {
		v.add("codecs", "at least one codec is required")
	}
	seen := make(map[string]string)
	for i, n := range names {
		p := index("codecs", i)
		if strings.TrimSpace(n) == "" {
			v.add(p, "empty codec name")
			continue
		}
		if first, dup := seen[strings.ToLower(n)]; dup {
			v.add(p, "%q: same codec as %s", n, first)
		}
		seen[strings.ToLower(n)] = p
	}
}

// CheckCodecs reports, as Errors at each name's line, the names of the
// codecs list that supported (media.Supported, which config may not
// import) says this build cannot encode and decode. It returns nil when
// every name is supported.
func (c *Config) CheckCodecs(supported func(name string) bool) error {
	v := &validator{src: c.src}
	if v.src != nil {
		v.file = v.src.file
	}
	for i, n := range c.Codecs {
		if strings.TrimSpace(n) != "" && !supported(n) {
			v.add(index("codecs", i), "%q: not a codec this build of Parley has (the names are as SDP writes them: opus, G722, PCMU, PCMA, G729)", n)
		}
	}
	if len(v.errs) == 0 {
		return nil
	}
	return v.errs
}
