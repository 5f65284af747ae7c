package prompts

import "strconv"

// The prompt IDs. Each names a file ID+".wav" in the embedded set (prompts/en)
// and in an admin's prompts directory; scripts/make-prompts.sh holds the text
// each one speaks.
const (
	EnterPIN         = "enter_pin"         // "Please enter the conference PIN, followed by the hash key."
	WrongPIN         = "wrong_pin"         // "That PIN is not correct."
	Goodbye          = "goodbye"           // "Goodbye."
	FirstParticipant = "first_participant" // "You are the first participant."
	ParticipantsAre  = "participants_are"  // "There are"
	Participants     = "participants"      // "participants in the conference."
	OneOther         = "one_other"         // "There is one other participant."
	Joined           = "joined"            // "A participant has joined."
	Left             = "left"              // "A participant has left."
	Muted            = "muted"             // "You are muted."
	Unmuted          = "unmuted"           // "You are unmuted."
	Locked           = "locked"            // "The conference is locked."
	Unlocked         = "unlocked"          // "The conference is unlocked."
	RoomLocked       = "room_locked"       // "This conference is locked. Goodbye."
	AllMuted         = "all_muted"         // "All other participants are muted."
	ConferenceEnding = "conference_ending" // "The conference is ending. Goodbye."
	Help             = "help"              // the keypad commands: *6, *1, *0; moderators *2, *3, *9
	Spectator        = "spectator"         // "The conference is full. You are joining as a listener."
	RoomFull         = "room_full"         // "The conference is full. Goodbye."
	NoHost           = "no_host"           // "No host has joined. Goodbye."
	WaitingForHost   = "waiting_for_host"  // "Please wait for the host to join."
	Moderator        = "moderator"         // "You are a moderator."
	EndingSoon       = "ending_soon"       // "The conference will end in one minute."
	Restarting       = "restarting"        // "This service is restarting. Please call again in a minute."
	// EnterModeratorPIN asks for the PIN of a room that has only a
	// moderator PIN: callers without it press the hash key to join.
	EnterModeratorPIN = "enter_moderator_pin" // "Moderators, enter your PIN and the hash key. Everyone else, press hash to join."
	Hundred           = "hundred"             // "hundred", for numbers from 100 to 999
)

// phrases lists the prompt IDs other than the numbers, in the order of
// scripts/make-prompts.sh.
var phrases = [...]string{
	EnterPIN, WrongPIN, Goodbye, FirstParticipant, ParticipantsAre,
	Participants, OneOther, Joined, Left, Muted, Unmuted, Locked, Unlocked,
	RoomLocked, AllMuted, ConferenceEnding, Help, Spectator, RoomFull,
	NoHost, WaitingForHost, Moderator, EndingSoon, Restarting, EnterModeratorPIN,
}

// numberWords lists the numbers that have a clip of their own: 0 to 20 and
// the tens from 30 to 90. With Hundred they say every number up to 999.
var numberWords = [...]int{
	0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
	30, 40, 50, 60, 70, 80, 90,
}

// DigitID returns the prompt ID of the clip that says the number n,
// "digits_" followed by n in decimal. Only 0 to 20 and the tens from 30 to
// 90 have a clip; Set.Number composes the others.
func DigitID(n int) string { return "digits_" + strconv.Itoa(n) }

// IDs returns every prompt ID a Set holds, phrases first, then the numbers
// and Hundred. The slice is new on every call; the caller may keep it.
func IDs() []string {
	ids := make([]string, 0, len(phrases)+len(numberWords)+1)
	ids = append(ids, phrases[:]...)
	for _, n := range numberWords {
		ids = append(ids, DigitID(n))
	}
	return append(ids, Hundred)
}
