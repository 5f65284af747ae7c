package i18n

// The message keys, so that callers spell them once. Each is a key of every
// messages/LANG.json; the comment gives the placeholders it takes.
const (
	// JoinTitle heads the join information: {{room}} (the room's name).
	JoinTitle = "join.title"
	// JoinLink is the browser link line: {{link}}.
	JoinLink = "join.link"
	// JoinDialIn is one dial-in number with its label: {{number}}, {{label}}.
	JoinDialIn = "join.dial_in"
	// JoinDialInPlain is one dial-in number without a label: {{number}}.
	JoinDialInPlain = "join.dial_in_plain"
	// JoinRoomNumber is the number to type after dialling in:
	// {{room_number}}.
	JoinRoomNumber = "join.room_number"
	// JoinPIN is the room's PIN: {{pin}}.
	JoinPIN = "join.pin"
	// JoinBrowsers names the supported browsers; no placeholders.
	JoinBrowsers = "join.browsers"

	// EmailSubject is the subject of an unscheduled invitation: {{room}}.
	EmailSubject = "email.subject"
	// EmailSubjectScheduled is the subject of a scheduled invitation:
	// {{room}}, {{time}}.
	EmailSubjectScheduled = "email.subject_scheduled"
	// EmailGreeting opens the mail: {{name}}.
	EmailGreeting = "email.greeting"
	// EmailGreetingAnonymous opens a mail to someone without a name.
	EmailGreetingAnonymous = "email.greeting_anonymous"
	// EmailIntro says what the invitation is to: {{room}}.
	EmailIntro = "email.intro"
	// EmailWhen gives the start and end: {{time}}.
	EmailWhen = "email.when"
	// EmailPersonalLink is the invitee's own link: {{link}}.
	EmailPersonalLink = "email.personal_link"
	// EmailGuestLink is the room's shared guest link: {{link}}.
	EmailGuestLink = "email.guest_link"
	// EmailCalendar says a calendar file is attached.
	EmailCalendar = "email.calendar"

	// SMSInvite is the SMS invitation: {{name}}, {{room}}, {{link}}.
	SMSInvite = "sms.invite"
	// SMSInviteAnonymous is the SMS invitation without a name: {{room}},
	// {{link}}.
	SMSInviteAnonymous = "sms.invite_anonymous"

	// PageOpensAt tells a guest the link is not valid yet: {{time}}.
	PageOpensAt = "page.opens_at"
	// PageExpired tells a guest the link is past its end.
	PageExpired = "page.expired"
	// PageInactive tells a guest the link is switched off.
	PageInactive = "page.inactive"
	// PageNoGuests tells a guest the room has guest access off.
	PageNoGuests = "page.no_guests"
	// PageEnterName labels the name field of the join page.
	PageEnterName = "page.enter_name"
	// PageJoin labels the join button.
	PageJoin = "page.join"
	// PageNotValid tells a guest that no link has the token.
	PageNotValid = "page.not_valid"
	// PageTitle heads a page that knows no room.
	PageTitle = "page.title"
	// PageNotReady says joining from the browser is not available on this server.
	PageNotReady = "page.not_ready"
	// PageUnavailable says the link could not be looked up.
	PageUnavailable = "page.unavailable"
	// PageNeedsJS says joining from the browser needs JavaScript.
	PageNeedsJS = "page.needs_js"
	// PageNoWebRTC says the browser lacks what calls need.
	PageNoWebRTC = "page.no_webrtc"
	// PageMicrophone labels the microphone picker.
	PageMicrophone = "page.microphone"
	// PageMicDefault names a microphone whose label the browser hides.
	PageMicDefault = "page.mic_default"
	// PageLevel labels the microphone level meter.
	PageLevel = "page.level"
	// PageProcessing heads the sound processing switches.
	PageProcessing = "page.processing"
	// PageEchoCancellation labels the echo cancellation switch.
	PageEchoCancellation = "page.echo_cancellation"
	// PageNoiseSuppression labels the noise suppression switch.
	PageNoiseSuppression = "page.noise_suppression"
	// PageAutoGain labels the automatic gain switch.
	PageAutoGain = "page.auto_gain"
	// PageCamera labels the camera picker.
	PageCamera = "page.camera"
	// PageCameraOff is the camera picker's only choice while video is not built.
	PageCameraOff = "page.camera_off"
	// PageCameraSoon says video is not available yet.
	PageCameraSoon = "page.camera_soon"
	// PageMicAsking asks the guest to allow the microphone.
	PageMicAsking = "page.mic_asking"
	// PageMicDenied says the browser blocks the microphone.
	PageMicDenied = "page.mic_denied"
	// PageMicMissing says no microphone was found.
	PageMicMissing = "page.mic_missing"
	// PageMicFailed says the microphone could not be started.
	PageMicFailed = "page.mic_failed"
	// PageConnecting says the call is being set up.
	PageConnecting = "page.connecting"
	// PageInCall says the guest is in the call.
	PageInCall = "page.in_call"
	// PageParticipants heads the participant list.
	PageParticipants = "page.participants"
	// PageYou names the guest in the participant list: {{name}}.
	PageYou = "page.you"
	// PageListSoon says the other participants are not listed yet.
	PageListSoon = "page.list_soon"
	// PageMute labels the button that mutes the microphone.
	PageMute = "page.mute"
	// PageUnmute labels the button that unmutes the microphone.
	PageUnmute = "page.unmute"
	// PageMuted says the microphone is muted.
	PageMuted = "page.muted"
	// PageUnmuted says the microphone is on again.
	PageUnmuted = "page.unmuted"
	// PageLeave labels the button that leaves the call.
	PageLeave = "page.leave"
	// PageLeft says the guest left the call.
	PageLeft = "page.left"
	// PageEnded says Parley ended the call; the reason follows.
	PageEnded = "page.ended"
	// PageLost says the connection to Parley was lost.
	PageLost = "page.lost"
	// PageRoomFull says the room is at its capacity.
	PageRoomFull = "page.room_full"
	// PageRoomLocked says the room is locked.
	PageRoomLocked = "page.room_locked"
	// PageSpectator is the banner of a guest who joins a full room as a listener.
	PageSpectator = "page.spectator"
	// PageJoinFailed says the call could not be set up.
	PageJoinFailed = "page.join_failed"

	// CalendarReminder is the text of the calendar reminder: {{room}}.
	CalendarReminder = "calendar.reminder"
)

// allKeys lists every key above, for the tests that check the catalogues.
var allKeys = []string{
	JoinTitle, JoinLink, JoinDialIn, JoinDialInPlain, JoinRoomNumber, JoinPIN, JoinBrowsers,
	EmailSubject, EmailSubjectScheduled, EmailGreeting, EmailGreetingAnonymous, EmailIntro,
	EmailWhen, EmailPersonalLink, EmailGuestLink, EmailCalendar,
	SMSInvite, SMSInviteAnonymous,
	PageOpensAt, PageExpired, PageInactive, PageNoGuests, PageEnterName, PageJoin,
	PageNotValid, PageTitle, PageNotReady, PageUnavailable, PageNeedsJS, PageNoWebRTC, PageMicrophone, PageMicDefault, PageLevel, PageProcessing, PageEchoCancellation, PageNoiseSuppression, PageAutoGain, PageCamera, PageCameraOff, PageCameraSoon, PageMicAsking, PageMicDenied, PageMicMissing, PageMicFailed, PageConnecting, PageInCall, PageParticipants, PageYou, PageListSoon, PageMute, PageUnmute, PageMuted, PageUnmuted, PageLeave, PageLeft, PageEnded, PageLost, PageRoomFull, PageRoomLocked, PageSpectator, PageJoinFailed,
	CalendarReminder,
}
