package main

import (
	"github.com/parleyhq/parley/config"
	"github.com/parleyhq/parley/sip"
)

// sipCodecs are the audio formats SIP legs negotiate under cfg: the
// defaults, and G.729 when media.g729 enables it.
func sipCodecs(cfg *config.Config) sip.Codecs {
	codecs := sip.DefaultCodecs()
	if cfg.Media.G729 {
		codecs = codecs.WithG729()
	}
	return codecs
}
