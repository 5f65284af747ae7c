package sip

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/pion/sdp/v3"

	"github.com/parleyhq/parley/media"
)

// ErrSRTPRefused means the offer's media security does not meet the
// policy: SRTP keys offered over cleartext signalling, SRTP while it is
// off, plain RTP while SRTP is required, or no a=crypto line Parley
// supports. It maps to 488 Not Acceptable Here.
var ErrSRTPRefused = errors.New("srtp refused")

// SRTPMode is the SRTP policy of SIP legs (config rtp.srtp).
type SRTPMode string

// The three policies.
const (
	// SRTPOff refuses RTP/SAVP offers and offers plain RTP.
	SRTPOff SRTPMode = "off"
	// SRTPOptional accepts RTP/SAVP offers that come over TLS, else plain
	// RTP, and offers plain RTP.
	SRTPOptional SRTPMode = "optional"
	// SRTPRequired refuses plain RTP offers and offers RTP/SAVP.
	SRTPRequired SRTPMode = "required"
)

// srtpPolicy is how an offer's audio is judged: the mode, and whether the
// signalling it came over is TLS (SDES keys travel in the SDP, RFC 4568
// §8.3: never in clear).
type srtpPolicy struct {
	mode   SRTPMode
	secure bool
}

// plainOnly is the policy of SDP that carries no SRTP: answers to our
// plain offers.
var plainOnly = srtpPolicy{mode: SRTPOff}

// isSAVP reports whether md's profile is secure RTP (RFC 3711 §12,
// RFC 5124 for SAVPF).
func isSAVP(md *sdp.MediaDescription) bool {
	return hasProto(md, "RTP", "SAVP") || hasProto(md, "RTP", "SAVPF")
}

// candidates returns the audio m-lines of sd the policy may take, in the
// order to try them (SRTP first when it may be had), or the reason none
// may be taken.
func (p srtpPolicy) candidates(sd *sdp.SessionDescription) ([]int, error) {
	var savp, avp []int
	for i, md := range sd.MediaDescriptions {
		if md.MediaName.Media != "audio" || md.MediaName.Port.Value == 0 {
			continue
		}
		switch {
		case isSAVP(md):
			savp = append(savp, i)
		case hasProto(md, "RTP", "AVP"):
			avp = append(avp, i)
		}
	}
	switch {
	case p.mode == SRTPRequired && !p.secure && len(savp) > 0:
		return nil, fmt.Errorf("%w: RTP/SAVP offered over cleartext signalling: SDES keys are taken only over TLS", ErrSRTPRefused)
	case p.mode == SRTPRequired && len(savp) == 0 && len(avp) > 0:
		return nil, fmt.Errorf("%w: plain RTP/AVP offered and rtp.srtp is required", ErrSRTPRefused)
	case p.mode == SRTPRequired:
		return savp, nil
	case len(avp) > 0 && (p.mode == SRTPOff || !p.secure):
		return avp, nil // a second, plain m-line is the offerer's fallback
	case p.mode == SRTPOff && len(savp) > 0:
		return nil, fmt.Errorf("%w: RTP/SAVP offered and rtp.srtp is off", ErrSRTPRefused)
	case !p.secure && len(savp) > 0:
		return nil, fmt.Errorf("%w: RTP/SAVP offered over cleartext signalling: SDES keys are taken only over TLS", ErrSRTPRefused)
	}
	return append(savp, avp...), nil
}

// SDES is the SRTP of a negotiated audio stream (RFC 4568): the a=crypto
// line chosen from the offer, and ours to answer it with.
type SDES struct {
	// Tag is the chosen line's tag, which the answer repeats.
	Tag int
	// Keys are the suite and both master keys||salts.
	Keys media.SRTPKeys
}

// chooseCrypto picks, in the offerer's order, the first a=crypto line of
// md whose suite and parameters Parley supports, and draws our own key for
// it (crypto/rand). A stream with none gives ErrSRTPRefused naming each
// line's reason (never a key).
func chooseCrypto(md *sdp.MediaDescription) (*SDES, error) {
	var reasons []string
	for _, a := range md.Attributes {
		if a.Key != "crypto" {
			continue
		}
		c, err := ParseCrypto(a.Value)
		if err != nil {
			reasons = append(reasons, err.Error())
			continue
		}
		key, salt := c.Suite.KeyLen()
		local := make([]byte, key+salt)
		if _, err := rand.Read(local); err != nil {
			return nil, fmt.Errorf("srtp key: %w", err)
		}
		return &SDES{Tag: c.Tag, Keys: media.SRTPKeys{Suite: c.Suite, Local: local, Remote: c.Key}}, nil
	}
	if len(reasons) == 0 {
		return nil, fmt.Errorf("%w: RTP/SAVP offered without a=crypto (only SDES keying is supported)", ErrSRTPRefused)
	}
	return nil, fmt.Errorf("%w: no a=crypto line Parley supports: %s", ErrSRTPRefused, strings.Join(reasons, "; "))
}

// answerCrypto makes md, the audio m-line of our answer, secure like the
// offer's: its profile and our a=crypto line.
func (n *Negotiation) answerCrypto(md *sdp.MediaDescription) {
	if n.SRTP == nil {
		return
	}
	md.MediaName.Protos = n.offer.MediaDescriptions[n.audio].MediaName.Protos
	md.WithValueAttribute("crypto", Crypto{Tag: n.SRTP.Tag, Suite: n.SRTP.Keys.Suite, Key: n.SRTP.Keys.Local}.String())
}

// keepKeys makes n, a new offer in the dialog, keep cur, the SRTP in use,
// when the offerer kept its key: the same keys and contexts go on
// (a hold, a refresh); a new key of the offerer's gets new keys both
// ways (RFC 4568 §7.1.4).
func (n *Negotiation) keepKeys(cur *SDES) {
	if n.SRTP == nil || cur == nil {
		return
	}
	if n.SRTP.Keys.Suite == cur.Keys.Suite && bytes.Equal(n.SRTP.Keys.Remote, cur.Keys.Remote) {
		n.SRTP.Keys.Local = cur.Keys.Local
	}
}

// Crypto is one SDES a=crypto attribute (RFC 4568 §9.1) with a single
// inline key and no MKI: the form Parley reads and writes.
type Crypto struct {
	// Tag identifies the line within its m-line, 0 to 999999999.
	Tag int
	// Suite is the crypto suite.
	Suite media.SRTPSuite
	// Key is the master key followed by the master salt.
	Key []byte
}

// String formats c as the value of an a=crypto attribute:
// "TAG SUITE inline:BASE64". It holds the key: never log it.
func (c Crypto) String() string {
	return strconv.Itoa(c.Tag) + " " + c.Suite.String() + " inline:" + base64.StdEncoding.EncodeToString(c.Key)
}

// cryptoSuites are the suites Parley accepts, by SDP name.
var cryptoSuites = map[string]media.SRTPSuite{
	media.SRTPAESCM128SHA1_80.String(): media.SRTPAESCM128SHA1_80,
	media.SRTPAESCM128SHA1_32.String(): media.SRTPAESCM128SHA1_32,
	media.SRTPAEADAES128GCM.String():   media.SRTPAEADAES128GCM,
}

// minLifetime is the shortest key lifetime Parley accepts, in packets:
// it does not rekey by itself, and 2^31 packets last 497 days at 50 per
// second.
const minLifetime = 31

var (
	tagRE      = regexp.MustCompile(`^[0-9]{1,9}$`)
	lifetimeRE = regexp.MustCompile(`^(2\^)?([0-9]{1,20})$`)
)

// ParseCrypto reads the value of an a=crypto attribute (after
// "crypto:"). It accepts one inline key of a supported suite, with a
// lifetime of at least 2^31 packets and no MKI, and the session
// parameters that change nothing for Parley (WSH, KDR=0); anything else
// is an error saying why. Errors never quote the key.
func ParseCrypto(value string) (Crypto, error) {
	fields := strings.Fields(value)
	if len(fields) < 3 {
		return Crypto{}, errors.New("crypto line without tag, suite and key")
	}
	if !tagRE.MatchString(fields[0]) {
		return Crypto{}, fmt.Errorf("crypto tag %q is not 1 to 9 digits", truncate(fields[0]))
	}
	tag, _ := strconv.Atoi(fields[0])
	suite, ok := cryptoSuites[fields[1]]
	if !ok {
		return Crypto{}, fmt.Errorf("tag %d: suite %q not supported", tag, truncate(fields[1]))
	}
	if strings.Contains(fields[2], ";") {
		return Crypto{}, fmt.Errorf("tag %d: several keys (MKI) not supported", tag)
	}
	method, info, ok := strings.Cut(fields[2], ":")
	if !ok || method != "inline" {
		return Crypto{}, fmt.Errorf("tag %d: key method is not inline", tag)
	}
	parts := strings.Split(info, "|")
	key, err := decodeKey(parts[0])
	if err != nil {
		return Crypto{}, fmt.Errorf("tag %d: key is not base64", tag)
	}
	klen, slen := suite.KeyLen()
	if len(key) != klen+slen {
		return Crypto{}, fmt.Errorf("tag %d: key||salt of %d bytes, %s has %d", tag, len(key), suite, klen+slen)
	}
	for _, p := range parts[1:] {
		if strings.Contains(p, ":") {
			return Crypto{}, fmt.Errorf("tag %d: MKI not supported", tag)
		}
		m := lifetimeRE.FindStringSubmatch(p)
		if m == nil {
			return Crypto{}, fmt.Errorf("tag %d: lifetime %q malformed", tag, truncate(p))
		}
		if !lifetimeLongEnough(m[1] != "", m[2]) {
			return Crypto{}, fmt.Errorf("tag %d: key lifetime %s shorter than 2^%d packets (Parley does not rekey by itself)", tag, p, minLifetime)
		}
	}
	if len(parts) > 3 {
		return Crypto{}, fmt.Errorf("tag %d: key parameters malformed", tag)
	}
	for _, sp := range fields[3:] {
		switch name, v, _ := strings.Cut(sp, "="); {
		case name == "WSH":
		case name == "KDR" && v == "0":
		default:
			return Crypto{}, fmt.Errorf("tag %d: session parameter %q not supported", tag, truncate(name))
		}
	}
	return Crypto{Tag: tag, Suite: suite, Key: key}, nil
}

// decodeKey reads base64 with or without its padding.
func decodeKey(s string) ([]byte, error) {
	if k, err := base64.StdEncoding.DecodeString(s); err == nil {
		return k, nil
	}
	return base64.RawStdEncoding.DecodeString(s)
}

// lifetimeLongEnough reports whether a lifetime of 2^digits (pow) or of
// digits packets is at least 2^minLifetime.
func lifetimeLongEnough(pow bool, digits string) bool {
	n, err := strconv.ParseUint(digits, 10, 64)
	if err != nil {
		return pow || len(digits) > 10 // larger than uint64: long enough
	}
	if pow {
		return n >= minLifetime
	}
	return n >= 1<<minLifetime
}

// truncate shortens a piece of a peer's line for an error message.
func truncate(s string) string {
	if len(s) > 32 {
		return s[:32] + "…"
	}
	return s
}

// NegotiateSRTP answers an offer as Negotiate does, under the SRTP mode:
// an RTP/SAVP (or SAVPF) audio stream is taken when mode allows and secure
// says the offer came over TLS, with the first a=crypto line Parley
// supports; a refusal is ErrSRTPRefused saying why.
func (c Codecs) NegotiateSRTP(offer []byte, mode SRTPMode, secure bool) (*Negotiation, error) {
	return c.negotiate(offer, srtpPolicy{mode: mode, secure: secure})
}

// offerSuites are the suites of Parley's SRTP offers, in its order of
// preference: the 80-bit tag that every SDES phone speaks first.
var offerSuites = []media.SRTPSuite{media.SRTPAESCM128SHA1_80, media.SRTPAEADAES128GCM, media.SRTPAESCM128SHA1_32}

// OfferSRTP is Offer with the audio over RTP/SAVP and one a=crypto line
// per suite (tags 1, 2, 3), each with its own fresh key, and no video
// (which would go in clear). The lines it returns hold our keys, for
// ReadAnswerSRTP.
func (c Codecs) OfferSRTP(local netip.Addr, rtpPort int, sessionID, version uint64) ([]byte, []Crypto, error) {
	body, err := c.Offer(local, rtpPort, 0, sessionID, version)
	if err != nil {
		return nil, nil, err
	}
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(string(body)); err != nil {
		return nil, nil, fmt.Errorf("srtp offer: %w", err)
	}
	md := sd.MediaDescriptions[0]
	md.MediaName.Protos = []string{"RTP", "SAVP"}
	offered := make([]Crypto, len(offerSuites))
	for i, suite := range offerSuites {
		key, salt := suite.KeyLen()
		offered[i] = Crypto{Tag: i + 1, Suite: suite, Key: make([]byte, key+salt)}
		if _, err := rand.Read(offered[i].Key); err != nil {
			return nil, nil, fmt.Errorf("srtp key: %w", err)
		}
		md.WithValueAttribute("crypto", offered[i].String())
	}
	out, err := sd.Marshal()
	return out, offered, err
}

// ReadAnswerSRTP reads the answer to an OfferSRTP offer: RTP/SAVP with one
// a=crypto line whose tag and suite are one of offered. An answer in
// plain RTP, or with a line Parley did not offer, is ErrSRTPRefused.
func (c Codecs) ReadAnswerSRTP(answer []byte, offered []Crypto) (*Negotiation, error) {
	n, err := c.negotiate(answer, srtpPolicy{mode: SRTPRequired, secure: true})
	if err != nil {
		return nil, err
	}
	for _, o := range offered {
		if o.Tag == n.SRTP.Tag && o.Suite == n.SRTP.Keys.Suite {
			n.SRTP.Keys.Local = o.Key
			return n, nil
		}
	}
	return nil, fmt.Errorf("%w: the answer's a=crypto tag %d (%s) is none of the offer's", ErrSRTPRefused, n.SRTP.Tag, n.SRTP.Keys.Suite)
}
