// Package h225 encodes and decodes the H.225.0 call-signalling messages
// (H.225.0 clause 7, the H323-UserInformation of module H323-MESSAGES) that
// travel in the User-user element of Q.931 messages, as typed Go values.
//
// Message holds what an H.323 call needs; Encode and Decode turn it into
// and out of aligned PER with h323/per, and Pack and Unpack wrap it in the
// Q.931 message (package q931) that carries it on the wire.
package h225

import (
	"crypto/rand"
	"encoding/hex"
	"net/netip"
)

// Body is the alternative of h323-message-body: which UUIE a message
// carries. Its value is the ASN.1 alternative name.
type Body string

// The bodies of H323-UU-PDU.h323-message-body.
const (
	Setup            Body = "setup"
	CallProceeding   Body = "callProceeding"
	Connect          Body = "connect"
	Alerting         Body = "alerting"
	Information      Body = "information"
	ReleaseComplete  Body = "releaseComplete"
	Facility         Body = "facility"
	Progress         Body = "progress"
	Empty            Body = "empty" // no UUIE: a Facility carrying only h245Control
	Status           Body = "status"
	StatusInquiry    Body = "statusInquiry"
	SetupAcknowledge Body = "setupAcknowledge"
	Notify           Body = "notify"
)

// Version is the H.225.0 version Encode announces in protocolIdentifier
// ({0 0 8 2250 0 7}); Decode accepts 1 to MaxVersion.
const Version = 7

// MaxVersion is the highest protocolIdentifier version Decode accepts.
const MaxVersion = 8

// GUID is a GloballyUniqueID of H.225.0: a callIdentifier or a
// conferenceID, in the octet order it has on the wire.
type GUID [16]byte

// NewGUID returns a random GUID (H.225.0 allows any unique value).
func NewGUID() GUID {
	var g GUID
	rand.Read(g[:]) // never fails (crypto/rand)
	return g
}

// String gives the 32 hex digits of the GUID.
func (g GUID) String() string { return hex.EncodeToString(g[:]) }

// Goal is the conferenceGoal of a Setup.
type Goal string

// Conference goals; the zero Goal encodes as GoalCreate.
const (
	GoalCreate Goal = "create"
	GoalJoin   Goal = "join"
	GoalInvite Goal = "invite"
)

// ReleaseReason is a ReleaseCompleteReason alternative of H.225.0.
type ReleaseReason string

// Release reasons Parley sends or meets; any alternative name of
// ReleaseCompleteReason whose value is NULL is accepted by Encode.
const (
	ReasonNoBandwidth                 ReleaseReason = "noBandwidth"
	ReasonGatekeeperResources         ReleaseReason = "gatekeeperResources"
	ReasonUnreachable                 ReleaseReason = "unreachableDestination"
	ReasonDestinationRejection        ReleaseReason = "destinationRejection"
	ReasonInvalidRevision             ReleaseReason = "invalidRevision"
	ReasonNoPermission                ReleaseReason = "noPermission"
	ReasonUnreachableGatekeeper       ReleaseReason = "unreachableGatekeeper"
	ReasonGatewayResources            ReleaseReason = "gatewayResources"
	ReasonBadFormatAddress            ReleaseReason = "badFormatAddress"
	ReasonAdaptiveBusy                ReleaseReason = "adaptiveBusy"
	ReasonInConf                      ReleaseReason = "inConf"
	ReasonUndefined                   ReleaseReason = "undefinedReason"
	ReasonCallDeflection              ReleaseReason = "facilityCallDeflection"
	ReasonSecurityDenied              ReleaseReason = "securityDenied"
	ReasonCalledNotRegistered         ReleaseReason = "calledPartyNotRegistered"
	ReasonCallerNotRegistered         ReleaseReason = "callerNotRegistered"
	ReasonNewConnectionNeeded         ReleaseReason = "newConnectionNeeded"
	ReasonNeededFeatureMissing        ReleaseReason = "neededFeatureNotSupported"
	ReasonTunnelledSignallingRejected ReleaseReason = "tunnelledSignallingRejected"
	ReasonInvalidCID                  ReleaseReason = "invalidCID"
)

// FacilityReason is a FacilityReason alternative of H.225.0.
type FacilityReason string

// Facility reasons; every alternative of FacilityReason is NULL.
const (
	FacilityRouteToGatekeeper FacilityReason = "routeCallToGatekeeper"
	FacilityCallForwarded     FacilityReason = "callForwarded"
	FacilityRouteToMC         FacilityReason = "routeCallToMC"
	FacilityUndefined         FacilityReason = "undefinedReason"
	FacilityConferenceList    FacilityReason = "conferenceListChoice"
	FacilityStartH245         FacilityReason = "startH245"
	FacilityNoH245            FacilityReason = "noH245"
	FacilityNewTokens         FacilityReason = "newTokens"
	FacilityFeatureSetUpdate  FacilityReason = "featureSetUpdate"
	FacilityForwardedElements FacilityReason = "forwardedElements"
	FacilityTransportedInfo   FacilityReason = "transportedInformation"
)

// AliasKind is the AliasAddress alternative of an Alias.
type AliasKind string

// The alias kinds Message carries (AliasAddress of H.225.0).
const (
	DialedDigits AliasKind = "dialedDigits" // 0-9 # * , up to 128
	H323ID       AliasKind = "h323-ID"      // a name, up to 256 UTF-16 units
	URLID        AliasKind = "url-ID"       // a URL, IA5, up to 512
	TransportID  AliasKind = "transportID"  // an address in Alias.Address
	EmailID      AliasKind = "email-ID"     // an e-mail address, IA5, up to 512
	PartyNumber  AliasKind = "partyNumber"  // an E.164 or private number in Value
)

// Alias is one AliasAddress. Decode skips alias kinds it does not know
// (mobileUIM, isupNumber).
type Alias struct {
	// Kind says which alternative the alias is.
	Kind AliasKind
	// Value is the digits, name, URL or e-mail address; empty for
	// TransportID.
	Value string
	// Address is the transport address of a TransportID alias.
	Address netip.AddrPort
}

// EndpointType is the sourceInfo of a Setup or the destinationInfo of the
// answers: what kind of node the endpoint is.
type EndpointType struct {
	// Terminal says the endpoint is a terminal.
	Terminal bool
	// Gateway says the endpoint is a gateway.
	Gateway bool
	// MCU says the endpoint is an MCU; Encode then sets mc too.
	MCU bool
	// Vendor names the product; nil leaves vendor out.
	Vendor *Vendor
}

// Vendor is a VendorIdentifier: the T.35 code of the manufacturer and the
// product and version names (up to 256 octets each).
type Vendor struct {
	// Country is t35CountryCode.
	Country uint8
	// Extension is t35Extension.
	Extension uint8
	// Manufacturer is manufacturerCode.
	Manufacturer uint16
	// Product is productId; empty leaves it out.
	Product string
	// Version is versionId; empty leaves it out.
	Version string
}

// ParleyVendor returns the vendor identification Parley sends, with the
// given version string. Parley has no T.35 manufacturer code, so the code
// is 0 and the product name says who it is.
func ParleyVendor(version string) *Vendor {
	return &Vendor{Product: "Parley", Version: version}
}

// Message is one H323-UserInformation. Which fields Encode sends depends
// on Body, as the comments say; Decode fills those present in the message.
type Message struct {
	// Body is the h323-message-body alternative.
	Body Body
	// Version is the protocolIdentifier version Decode found; Encode
	// always sends Version.
	Version int
	// CallID is callIdentifier.guid, in every body but Empty.
	CallID GUID
	// ConferenceID is conferenceID: mandatory in Setup and Connect,
	// optional in Facility (sent when not zero).
	ConferenceID GUID
	// Goal is the Setup's conferenceGoal; empty means GoalCreate.
	Goal Goal
	// SourceAddress is the Setup's sourceAddress aliases.
	SourceAddress []Alias
	// DestinationAddress is the Setup's destinationAddress aliases.
	DestinationAddress []Alias
	// Info is the Setup's sourceInfo, or the destinationInfo of
	// CallProceeding, Alerting, Connect and Progress.
	Info EndpointType
	// DestCallSignalAddress is the Setup's destCallSignalAddress; the
	// zero value leaves it out. Decode fills it only for ipAddress and
	// ip6Address.
	DestCallSignalAddress netip.AddrPort
	// SourceCallSignalAddress is the Setup's sourceCallSignalAddress, like
	// DestCallSignalAddress.
	SourceCallSignalAddress netip.AddrPort
	// ActiveMC is the Setup's activeMC.
	ActiveMC bool
	// MediaWaitForConnect is the Setup's mediaWaitForConnect.
	MediaWaitForConnect bool
	// CanOverlapSend is the Setup's canOverlapSend.
	CanOverlapSend bool
	// FastStart is fastStart, each an encoded H.245 OpenLogicalChannel
	// (Setup, CallProceeding, Alerting, Connect, Progress, Facility,
	// Information); nil leaves it out.
	FastStart [][]byte
	// H245Address is h245Address (Setup, CallProceeding, Alerting,
	// Connect, Progress, Facility); the zero value leaves it out.
	H245Address netip.AddrPort
	// H245Tunneling is H323-UU-PDU.h245Tunneling.
	H245Tunneling bool
	// H245Control is H323-UU-PDU.h245Control, each an encoded H.245
	// MultimediaSystemControlMessage; nil leaves it out.
	H245Control [][]byte
	// Reason is the ReleaseComplete's reason; empty leaves it out.
	Reason ReleaseReason
	// FacilityReason is the Facility's reason; empty means
	// FacilityUndefined.
	FacilityReason FacilityReason
}
