package media

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// SRTPSuite is an SRTP crypto suite a Session protects its media with
// (RFC 3711, RFC 4568 §6.2, RFC 7714 §14.2).
type SRTPSuite uint8

// The suites Parley speaks.
const (
	// SRTPAESCM128SHA1_80 is AES_CM_128_HMAC_SHA1_80: AES counter mode,
	// 80-bit HMAC-SHA1 tag.
	SRTPAESCM128SHA1_80 SRTPSuite = iota + 1
	// SRTPAESCM128SHA1_32 is AES_CM_128_HMAC_SHA1_32: a 32-bit tag on
	// SRTP, 80 bits still on SRTCP (RFC 4568 §6.2.2).
	SRTPAESCM128SHA1_32
	// SRTPAEADAES128GCM is AEAD_AES_128_GCM (RFC 7714): a 16-byte tag.
	SRTPAEADAES128GCM
)

// srtpSuites maps each suite to its pion profile.
var srtpSuites = map[SRTPSuite]srtp.ProtectionProfile{
	SRTPAESCM128SHA1_80: srtp.ProtectionProfileAes128CmHmacSha1_80,
	SRTPAESCM128SHA1_32: srtp.ProtectionProfileAes128CmHmacSha1_32,
	SRTPAEADAES128GCM:   srtp.ProtectionProfileAeadAes128Gcm,
}

// String returns the suite's name in SDP (RFC 4568 §6.2, RFC 7714 §14.2).
func (s SRTPSuite) String() string {
	switch s {
	case SRTPAESCM128SHA1_80:
		return "AES_CM_128_HMAC_SHA1_80"
	case SRTPAESCM128SHA1_32:
		return "AES_CM_128_HMAC_SHA1_32"
	case SRTPAEADAES128GCM:
		return "AEAD_AES_128_GCM"
	}
	return fmt.Sprintf("SRTPSuite(%d)", uint8(s))
}

// KeyLen returns the length of the master key and of the master salt of
// the suite, in bytes (0, 0 for an unknown suite).
func (s SRTPSuite) KeyLen() (key, salt int) {
	p, ok := srtpSuites[s]
	if !ok {
		return 0, 0
	}
	key, _ = p.KeyLen()
	salt, _ = p.SaltLen()
	return key, salt
}

// srtpMaxOverhead is the most SRTP adds to an RTP packet: the GCM tag.
const srtpMaxOverhead = 16

// srtcpMaxOverhead is the most SRTCP adds to an RTCP packet: the E flag
// and index (4 bytes) and the longest tag (16).
const srtcpMaxOverhead = 20

// ErrSRTPAuth is returned by UnprotectRTCP for a packet that fails
// authentication or decryption (a replay included).
var ErrSRTPAuth = errors.New("media: srtp authentication failed")

// SRTPKeys are the keys of an SRTP session: one suite, and the master
// key||salt each side protects what it sends with (RFC 4568 §6.1 "inline":
// the offerer's and the answerer's, one each).
type SRTPKeys struct {
	// Suite is the crypto suite of both directions.
	Suite SRTPSuite
	// Local is our master key followed by our master salt: we protect
	// what we send with it.
	Local []byte
	// Remote is the peer's master key||salt: we check and decrypt what it
	// sends with it.
	Remote []byte
}

// Equal reports whether k and o are the same keys.
func (k SRTPKeys) Equal(o SRTPKeys) bool {
	return k.Suite == o.Suite && bytes.Equal(k.Local, o.Local) && bytes.Equal(k.Remote, o.Remote)
}

// validate checks the suite and the key lengths.
func (k SRTPKeys) validate() error {
	key, salt := k.Suite.KeyLen()
	if key == 0 {
		return fmt.Errorf("media: srtp: unknown suite %d", k.Suite)
	}
	if len(k.Local) != key+salt || len(k.Remote) != key+salt {
		return fmt.Errorf("media: srtp: keys of %d and %d bytes, suite wants %d", len(k.Local), len(k.Remote), key+salt)
	}
	return nil
}

// context is a fresh pion context over one master key||salt, with replay
// protection for the receiving side (RFC 3711 §3.3.2).
func (k SRTPKeys) context(keySalt []byte, receive bool) (*srtp.Context, error) {
	key, _ := k.Suite.KeyLen()
	var opts []srtp.ContextOption
	if receive {
		opts = append(opts, srtp.SRTPReplayProtection(128), srtp.SRTCPReplayProtection(128))
	}
	c, err := srtp.CreateContext(keySalt[:key], keySalt[key:], srtpSuites[k.Suite], opts...)
	if err != nil {
		return nil, fmt.Errorf("media: srtp context: %w", err)
	}
	return c, nil
}

// srtpSet is one generation of keys set on a Session (SetSRTP): immutable
// once published. Each goroutine that protects or unprotects builds its own
// contexts from it, so that no pion context (which is not safe for
// concurrent use) is shared: new keys, new contexts, each with its own
// rollover counters and replay window starting afresh, as a peer's new
// crypto context does (RFC 4568 §7.1.4).
type srtpSet struct {
	keys SRTPKeys
}

// srtpOut is the sending side's contexts, owned by WriteRTP's goroutine.
type srtpOut struct {
	set *srtpSet
	ctx *srtp.Context
	buf []byte
	hdr rtp.Header // reused: pion allocates one per packet otherwise
}

// srtpIn is the receiving side's contexts, owned by the reader goroutine.
// prev, the last generation's, still checks a packet the new one refuses:
// the peer switches keys when it has our answer, packets already in flight
// carry the old ones.
type srtpIn struct {
	set       *srtpSet
	ctx, prev *srtp.Context
	buf       []byte
	hdr       rtp.Header
}

// srtcpCtx is the SRTCP contexts, under their own lock: RTCP is sent and
// read on goroutines of its own.
type srtcpCtx struct {
	mu      sync.Mutex
	set     *srtpSet // guarded by mu
	out, in *srtp.Context
}

// SetSRTP makes the session protect what it sends and require protection
// on what it receives, with keys (RFC 3711); from then on a received packet
// that fails authentication is dropped and counted in Stats.SRTPFailed,
// never handed on. Call it before Start for a call that is SRTP from the
// first packet. Called again with other keys (a re-INVITE's new a=crypto)
// it replaces them: the next packet each way uses new contexts. The same
// keys again change nothing (the contexts and their counters go on).
// SRTP cannot be turned off on a session.
func (s *Session) SetSRTP(keys SRTPKeys) error {
	if err := keys.validate(); err != nil {
		return err
	}
	if cur := s.srtpKeys.Load(); cur != nil && cur.keys.Equal(keys) {
		return nil
	}
	k := SRTPKeys{Suite: keys.Suite, Local: bytes.Clone(keys.Local), Remote: bytes.Clone(keys.Remote)}
	s.srtpKeys.Store(&srtpSet{keys: k})
	return nil
}

// SRTP reports whether the session protects its media, and with which
// suite.
func (s *Session) SRTP() (SRTPSuite, bool) {
	if set := s.srtpKeys.Load(); set != nil {
		return set.keys.Suite, true
	}
	return 0, false
}

// protect returns the SRTP packet for the RTP packet b, or b itself while
// the session has no keys. It runs on WriteRTP's goroutine.
func (s *Session) protect(b []byte) ([]byte, error) {
	set := s.srtpKeys.Load()
	if set == nil {
		return b, nil
	}
	o := &s.srtpOut
	if o.set != set {
		ctx, err := set.keys.context(set.keys.Local, false)
		if err != nil {
			return nil, err
		}
		o.set, o.ctx = set, ctx
		if o.buf == nil {
			o.buf = make([]byte, MaxPacketSize+srtpMaxOverhead)
		}
	}
	out, err := o.ctx.EncryptRTP(o.buf[:0], b, &o.hdr)
	if err != nil {
		return nil, fmt.Errorf("media: srtp protect: %w", err)
	}
	return out, nil
}

// unprotect returns the RTP packet within the SRTP packet b, or b itself
// while the session has no keys; ok is false for a packet that fails
// authentication (or replays one), which is dropped. It runs on the reader
// goroutine.
func (s *Session) unprotect(b []byte) (out []byte, ok bool) {
	set := s.srtpKeys.Load()
	if set == nil {
		return b, true
	}
	in := &s.srtpIn
	if in.set != set {
		ctx, err := set.keys.context(set.keys.Remote, true)
		if err != nil {
			return nil, false
		}
		in.prev, in.set, in.ctx = in.ctx, set, ctx
		if in.buf == nil {
			in.buf = make([]byte, MaxPacketSize)
		}
	}
	if out, err := in.ctx.DecryptRTP(in.buf[:0], b, &in.hdr); err == nil {
		return out, true
	}
	if in.prev != nil {
		if out, err := in.prev.DecryptRTP(in.buf[:0], b, &in.hdr); err == nil {
			return out, true
		}
	}
	return nil, false
}

// srtcp returns the SRTCP contexts for the current keys, new ones after a
// rekey, or nil while the session has none. s.srtcpCtx.mu is held.
func (s *Session) srtcp() (*srtcpCtx, error) {
	set := s.srtpKeys.Load()
	c := &s.srtcpCtx
	if set == nil {
		return nil, nil
	}
	if c.set != set {
		out, err := set.keys.context(set.keys.Local, false)
		if err != nil {
			return nil, err
		}
		in, err := set.keys.context(set.keys.Remote, true)
		if err != nil {
			return nil, err
		}
		c.set, c.out, c.in = set, out, in
	}
	return c, nil
}

// ProtectRTCP returns the SRTCP packet (RFC 3711 §3.4) for the compound
// RTCP packet b, appended to dst; while the session has no keys it returns
// b unchanged. It is for whoever sends the session's RTCP, and safe for
// concurrent use with every other method.
func (s *Session) ProtectRTCP(dst, b []byte) ([]byte, error) {
	s.srtcpCtx.mu.Lock()
	defer s.srtcpCtx.mu.Unlock()
	c, err := s.srtcp()
	if err != nil || c == nil {
		return b, err
	}
	out, err := c.out.EncryptRTCP(dst, b, nil)
	if err != nil {
		return nil, fmt.Errorf("media: srtcp protect: %w", err)
	}
	return out, nil
}

// UnprotectRTCP returns the compound RTCP packet within the SRTCP packet
// b, appended to dst; while the session has no keys it returns b
// unchanged. A packet that fails authentication, or replays one, gives
// ErrSRTPAuth and is counted in Stats.SRTPFailed: drop it. Safe for
// concurrent use with every other method.
func (s *Session) UnprotectRTCP(dst, b []byte) ([]byte, error) {
	s.srtcpCtx.mu.Lock()
	defer s.srtcpCtx.mu.Unlock()
	c, err := s.srtcp()
	if err != nil || c == nil {
		return b, err
	}
	out, err := c.in.DecryptRTCP(dst, b, nil)
	if err != nil {
		s.stats.srtpFailed.Add(1)
		return nil, fmt.Errorf("%w: %v", ErrSRTPAuth, err)
	}
	return out, nil
}
