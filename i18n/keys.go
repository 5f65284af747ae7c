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
	// JoinSIP gives the room's SIP address, for SIP phones and apps:
	// {{sip_uri}}.
	JoinSIP = "join.sip"
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
	// PageNoAccess tells a guest the link's role is no_access: it is
	// active but admits nobody.
	PageNoAccess = "page.no_access"
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
	// PageRestarting says the server is restarting and takes no one new.
	PageRestarting = "page.restarting"
	// PageNeedsJS says joining from the browser needs JavaScript.
	PageNeedsJS = "page.needs_js"
	// PageNoWebRTC says the browser lacks what calls need.
	PageNoWebRTC = "page.no_webrtc"
	// PageNeedsHTTPS says the page was opened over plain HTTP, where
	// browsers refuse the microphone (not a secure context).
	PageNeedsHTTPS = "page.needs_https"
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
	// PageCameraOff is the camera picker's choice that sends no video.
	PageCameraOff = "page.camera_off"
	// PageCameraDefault names a camera whose label the browser hides.
	PageCameraDefault = "page.camera_default"
	// PageCameraAsking asks the guest to allow the camera.
	PageCameraAsking = "page.camera_asking"
	// PageCameraDenied says the browser blocks the camera.
	PageCameraDenied = "page.camera_denied"
	// PageCameraFailed says the camera could not be started.
	PageCameraFailed = "page.camera_failed"
	// PagePreview labels the preview of the guest's own camera.
	PagePreview = "page.preview"
	// PageVideos labels the grid of the other participants' videos.
	PageVideos = "page.videos"
	// PageVideoOf labels one participant's video: {{name}}.
	PageVideoOf = "page.video_of"
	// PageCameraStart labels the button that turns the camera on in the call.
	PageCameraStart = "page.camera_start"
	// PageCameraStop labels the button that turns the camera off in the call.
	PageCameraStop = "page.camera_stop"
	// PageCameraOn says the camera is on.
	PageCameraOn = "page.camera_on"
	// PageCameraIsOff says the camera is off.
	PageCameraIsOff = "page.camera_is_off"
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
	// PageParticipantList names the list of the call's participants.
	PageParticipantList = "page.participant_list"
	// PageRoleOwner names the owner role in the participant list.
	PageRoleOwner = "page.role_owner"
	// PageRoleModerator names the moderator role in the participant list.
	PageRoleModerator = "page.role_moderator"
	// PageRolePresenter names the presenter role in the participant list.
	PageRolePresenter = "page.role_presenter"
	// PageRoleAttendee names the attendee role in the participant list.
	PageRoleAttendee = "page.role_attendee"
	// PageRoleSpectator names the spectator (listen-only) role in the
	// participant list.
	PageRoleSpectator = "page.role_spectator"
	// PageTalking says a participant talks now.
	PageTalking = "page.talking"
	// PageSilent says a participant does not talk now.
	PageSilent = "page.silent"
	// PageMutedMark marks a participant the room mutes.
	PageMutedMark = "page.muted_mark"
	// PagePhone names a phone participant whose only name is its number,
	// which guests do not see.
	PagePhone = "page.phone"
	// PageSomeone names the publisher of a video the participant list
	// does not show yet.
	PageSomeone = "page.someone"
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

	// ConsoleTitle heads the console and names its tab: {{room}} (the room's number).
	ConsoleTitle = "console.title"
	// ConsoleNoRoom says there is no room with the number in the URL: {{room}}.
	ConsoleNoRoom = "console.no_room"
	// ConsoleNeedsJS says the console needs JavaScript.
	ConsoleNeedsJS = "console.needs_js"
	// ConsoleLoginIntro asks for the moderator PIN or a moderator token.
	ConsoleLoginIntro = "console.login_intro"
	// ConsolePIN labels the moderator PIN field.
	ConsolePIN = "console.pin"
	// ConsoleUseToken opens the token field instead of the PIN.
	ConsoleUseToken = "console.use_token"
	// ConsoleToken labels the moderator token field.
	ConsoleToken = "console.token"
	// ConsoleOpen labels the button that logs in.
	ConsoleOpen = "console.open"
	// ConsoleChecking says the PIN or token is being checked.
	ConsoleChecking = "console.checking"
	// ConsoleNeedCredential asks for a PIN or a token when both are empty.
	ConsoleNeedCredential = "console.need_credential"
	// ConsoleBadToken says the token may not moderate the room.
	ConsoleBadToken = "console.bad_token"
	// ConsoleExpired says the console's token no longer works.
	ConsoleExpired = "console.expired"
	// ConsoleLogOut labels the button that logs out.
	ConsoleLogOut = "console.log_out"
	// ConsoleLoggedOut says the moderator logged out.
	ConsoleLoggedOut = "console.logged_out"
	// ConsoleConnecting says the live list is connecting.
	ConsoleConnecting = "console.connecting"
	// ConsoleLive says the list is live.
	ConsoleLive = "console.live"
	// ConsoleReconnecting says the live connection was lost and is retried.
	ConsoleReconnecting = "console.reconnecting"
	// ConsoleRoom heads the room's controls.
	ConsoleRoom = "console.room"
	// ConsoleLocked says the room is locked.
	ConsoleLocked = "console.locked"
	// ConsoleUnlocked says the room is open.
	ConsoleUnlocked = "console.unlocked"
	// ConsoleLock labels the button that locks the room.
	ConsoleLock = "console.lock"
	// ConsoleUnlock labels the button that unlocks the room.
	ConsoleUnlock = "console.unlock"
	// ConsoleMuteAll labels the button that mutes everyone.
	ConsoleMuteAll = "console.mute_all"
	// ConsoleMutedAll says how many were muted: {{count}}.
	ConsoleMutedAll = "console.muted_all"
	// ConsoleCopy labels the button that copies the join info.
	ConsoleCopy = "console.copy"
	// ConsoleCopied says the join info was copied.
	ConsoleCopied = "console.copied"
	// ConsoleCopyByHand asks to copy the join info shown, when the browser would not.
	ConsoleCopyByHand = "console.copy_by_hand"
	// ConsoleJoinInfo labels the join info text.
	ConsoleJoinInfo = "console.join_info"
	// ConsoleParticipants heads the participant list.
	ConsoleParticipants = "console.participants"
	// ConsoleCount says how many are in the room: {{count}}.
	ConsoleCount = "console.count"
	// ConsoleNobody says the room is empty.
	ConsoleNobody = "console.nobody"
	// ConsoleName heads the name column.
	ConsoleName = "console.name"
	// ConsoleRole heads the role column.
	ConsoleRole = "console.role"
	// ConsoleVia heads the connection column.
	ConsoleVia = "console.via"
	// ConsoleTalking heads the talking column, and says someone talks.
	ConsoleTalking = "console.talking"
	// ConsoleSilent says someone does not talk now.
	ConsoleSilent = "console.silent"
	// ConsoleQuality is the tooltip of a phone's call quality: {{in}} and
	// {{out}} percent loss each way, {{jitter}} and {{rtt}} ms, {{mos}}.
	ConsoleQuality = "console.quality"
	// ConsoleMuted marks a muted participant.
	ConsoleMuted = "console.muted"
	// ConsoleActions heads the actions column.
	ConsoleActions = "console.actions"
	// ConsoleMute labels the button that mutes a participant: {{name}} (for screen readers).
	ConsoleMute = "console.mute"
	// ConsoleUnmute labels the button that unmutes a participant: {{name}}.
	ConsoleUnmute = "console.unmute"
	// ConsoleMuteShort is the visible text of the mute button.
	ConsoleMuteShort = "console.mute_short"
	// ConsoleUnmuteShort is the visible text of the unmute button.
	ConsoleUnmuteShort = "console.unmute_short"
	// ConsoleRemove labels the button that removes a participant: {{name}}.
	ConsoleRemove = "console.remove"
	// ConsoleRemoveShort is the visible text of the remove button.
	ConsoleRemoveShort = "console.remove_short"
	// ConsoleRoleOf labels a participant's role picker: {{name}}.
	ConsoleRoleOf = "console.role_of"
	// ConsoleRoleOwner names the owner role.
	ConsoleRoleOwner = "console.role_owner"
	// ConsoleRoleModerator names the moderator role.
	ConsoleRoleModerator = "console.role_moderator"
	// ConsoleRolePresenter names the presenter role.
	ConsoleRolePresenter = "console.role_presenter"
	// ConsoleRoleAttendee names the attendee role.
	ConsoleRoleAttendee = "console.role_attendee"
	// ConsoleRoleSpectator names the spectator (listen-only) role.
	ConsoleRoleSpectator = "console.role_spectator"
	// ConsoleRoleNoAccess names the no_access role, which removes.
	ConsoleRoleNoAccess = "console.role_no_access"
	// ConsoleJoined announces a participant who joined: {{name}}.
	ConsoleJoined = "console.joined"
	// ConsoleLeft announces a participant who left: {{name}}.
	ConsoleLeft = "console.left"
	// ConsoleNowMuted announces a participant muted: {{name}}.
	ConsoleNowMuted = "console.now_muted"
	// ConsoleNowUnmuted announces a participant unmuted: {{name}}.
	ConsoleNowUnmuted = "console.now_unmuted"
	// ConsoleNowRole announces a role change: {{name}}, {{role}}.
	ConsoleNowRole = "console.now_role"
	// ConsoleEnded says the conference was ended for everyone.
	ConsoleEnded = "console.ended"
	// ConsoleDialHeading heads the form that calls someone out.
	ConsoleDialHeading = "console.dial_heading"
	// ConsoleDialTo labels the dial target field.
	ConsoleDialTo = "console.dial_to"
	// ConsoleDialRole labels the role the callee joins with.
	ConsoleDialRole = "console.dial_role"
	// ConsoleDial labels the button that calls out.
	ConsoleDial = "console.dial"
	// ConsoleCalls heads the list of calls out.
	ConsoleCalls = "console.calls"
	// ConsoleDialRinging says a call out rings: {{target}}.
	ConsoleDialRinging = "console.dial_ringing"
	// ConsoleDialAnswered says a call out was answered: {{target}}.
	ConsoleDialAnswered = "console.dial_answered"
	// ConsoleDialBusy says the callee is busy: {{target}}.
	ConsoleDialBusy = "console.dial_busy"
	// ConsoleDialDeclined says the callee declined: {{target}}.
	ConsoleDialDeclined = "console.dial_declined"
	// ConsoleDialNotFound says the target does not exist: {{target}}.
	ConsoleDialNotFound = "console.dial_not_found"
	// ConsoleDialNoAnswer says nobody answered: {{target}}.
	ConsoleDialNoAnswer = "console.dial_no_answer"
	// ConsoleDialFailed says a call out failed: {{target}}.
	ConsoleDialFailed = "console.dial_failed"
	// ConsoleCode gives the SIP status of a call out: {{code}}.
	ConsoleCode = "console.code"
	// ConsoleFailed prefixes an error the API answered: {{error}}.
	ConsoleFailed = "console.failed"
	// ConsoleOffline says the server could not be reached.
	ConsoleOffline = "console.offline"

	// CalendarReminder is the text of the calendar reminder: {{room}}.
	CalendarReminder = "calendar.reminder"
)

// allKeys lists every key above, for the tests that check the catalogues.
var allKeys = []string{
	JoinTitle, JoinLink, JoinDialIn, JoinDialInPlain, JoinSIP, JoinRoomNumber, JoinPIN, JoinBrowsers,
	EmailSubject, EmailSubjectScheduled, EmailGreeting, EmailGreetingAnonymous, EmailIntro,
	EmailWhen, EmailPersonalLink, EmailGuestLink, EmailCalendar,
	SMSInvite, SMSInviteAnonymous,
	PageOpensAt, PageExpired, PageInactive, PageNoGuests, PageNoAccess, PageEnterName, PageJoin,
	PageNotValid, PageTitle, PageNotReady, PageUnavailable, PageRestarting, PageNeedsJS, PageNoWebRTC, PageNeedsHTTPS, PageMicrophone, PageMicDefault, PageLevel, PageProcessing, PageEchoCancellation, PageNoiseSuppression, PageAutoGain, PageCamera, PageCameraOff, PageCameraDefault, PageCameraAsking, PageCameraDenied, PageCameraFailed, PagePreview, PageVideos, PageVideoOf, PageCameraStart, PageCameraStop, PageCameraOn, PageCameraIsOff, PageMicAsking, PageMicDenied, PageMicMissing, PageMicFailed, PageConnecting, PageInCall, PageParticipants, PageYou, PageParticipantList, PageRoleOwner, PageRoleModerator, PageRolePresenter, PageRoleAttendee, PageRoleSpectator, PageTalking, PageSilent, PageMutedMark, PagePhone, PageSomeone, PageMute, PageUnmute, PageMuted, PageUnmuted, PageLeave, PageLeft, PageEnded, PageLost, PageRoomFull, PageRoomLocked, PageSpectator, PageJoinFailed,
	ConsoleTitle, ConsoleNoRoom, ConsoleNeedsJS, ConsoleLoginIntro, ConsolePIN, ConsoleUseToken, ConsoleToken,
	ConsoleOpen, ConsoleChecking, ConsoleNeedCredential, ConsoleBadToken, ConsoleExpired, ConsoleLogOut,
	ConsoleLoggedOut, ConsoleConnecting, ConsoleLive, ConsoleReconnecting, ConsoleRoom, ConsoleLocked,
	ConsoleUnlocked, ConsoleLock, ConsoleUnlock, ConsoleMuteAll, ConsoleMutedAll, ConsoleCopy, ConsoleCopied,
	ConsoleCopyByHand, ConsoleJoinInfo, ConsoleParticipants, ConsoleCount, ConsoleNobody, ConsoleName,
	ConsoleRole, ConsoleVia, ConsoleTalking, ConsoleSilent, ConsoleQuality, ConsoleMuted, ConsoleActions, ConsoleMute,
	ConsoleUnmute, ConsoleMuteShort, ConsoleUnmuteShort, ConsoleRemove, ConsoleRemoveShort, ConsoleRoleOf,
	ConsoleRoleOwner, ConsoleRoleModerator, ConsoleRolePresenter, ConsoleRoleAttendee, ConsoleRoleSpectator,
	ConsoleRoleNoAccess, ConsoleJoined, ConsoleLeft, ConsoleNowMuted, ConsoleNowUnmuted, ConsoleNowRole,
	ConsoleEnded, ConsoleDialHeading, ConsoleDialTo, ConsoleDialRole, ConsoleDial, ConsoleCalls,
	ConsoleDialRinging, ConsoleDialAnswered, ConsoleDialBusy, ConsoleDialDeclined, ConsoleDialNotFound,
	ConsoleDialNoAnswer, ConsoleDialFailed, ConsoleCode, ConsoleFailed, ConsoleOffline,
	CalendarReminder,
}
