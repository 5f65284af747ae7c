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
	CalendarReminder,
}
