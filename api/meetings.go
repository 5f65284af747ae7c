package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/parleyhq/parley/bridge"
	"github.com/parleyhq/parley/dialplan"
	"github.com/parleyhq/parley/store"
)

// This file makes a whole meeting in one request, POST /api/v1/meetings:
// the organisers' web app creates a room with its participants chosen
// while creating it. Everything is checked first, every bad participant
// named; then the room is made, then its schedule (so that the
// invitations carry the calendar request), then the personal links, and a
// step that fails removes what the earlier ones made. The invitations are
// mailed last, once nothing can be undone any more; a mail the server
// refuses shows in its link's invitations (resend it), as for POST …/links.

// meetingsAPI serves POST /api/v1/meetings with the rooms', schedules'
// and links' own handlers' checks and stores.
type meetingsAPI struct {
	rooms     *roomsAPI
	schedules *schedulesAPI
	links     *linksAPI
}

// Bounds of a meeting's duration.
const (
	defaultMeetingMinutes = 60
	maxMeetingMinutes     = 24 * 60
)

// meetingPlan is a checked MeetingRequest: what the steps make.
type meetingPlan struct {
	room     store.Room
	schedule *store.Schedule // nil: not scheduled
	links    []store.Link    // without room or token
}

// createMeeting serves POST /api/v1/meetings: 201 with the room, its
// schedule and its links.
func (s *meetingsAPI) createMeeting(w http.ResponseWriter, r *http.Request) error {
	var req MeetingRequest
	if err := decodeJSON(w, r, &req); err != nil {
		return err
	}
	p := principalOf(r)
	plan, err := s.plan(p, req)
	if err != nil {
		return err
	}
	ctx := r.Context()
	room, err := s.rooms.addRoom(ctx, plan.room)
	if err != nil {
		return stepFailed("room", err)
	}
	out := Meeting{Links: []Link{}}
	made, err := s.make(ctx, room, plan)
	if err != nil {
		s.removeRoom(ctx, plan.room.Number)
		return err
	}
	if made.schedule != nil {
		st := scheduleState(*made.schedule)
		out.Schedule = &st
	}
	for _, l := range made.links {
		lo := s.links.linkState(r, l)
		lo.Invitations = s.links.invite(r, room, l, true, false)
		out.Links = append(out.Links, lo)
	}
	out.Room = roomState(room, p)
	s.rooms.log.Info("api meeting created", "room", room.Number(), "scheduled", made.schedule != nil,
		"members", len(plan.room.Members), "links", len(made.links), "by", p.String(), "remote", r.RemoteAddr)
	w.Header().Set("Location", "/api/v1/rooms/"+room.Number())
	writeJSON(w, http.StatusCreated, out)
	return nil
}

// madeMeeting is what the steps after the room made.
type madeMeeting struct {
	schedule *store.Schedule
	links    []store.Link
}

// make stores the schedule and the links of plan in room; on error the
// caller removes the room, and with it whatever was stored for it.
func (s *meetingsAPI) make(ctx context.Context, room *bridge.Room, plan meetingPlan) (madeMeeting, error) {
	var out madeMeeting
	if plan.schedule != nil {
		if s.schedules.store == nil {
			return out, stepFailed("schedule", errNoStore)
		}
		sc := *plan.schedule
		sc.Room = room.Number()
		sc, err := s.schedules.store.CreateSchedule(ctx, sc)
		if err != nil {
			return out, stepFailed("schedule", err)
		}
		out.schedule = &sc
	}
	for i, l := range plan.links {
		if s.links.store == nil {
			return out, stepFailed("links", errNoStore)
		}
		l.Room, l.Token = room.Number(), newLinkToken()
		made, err := s.links.store.CreateLink(ctx, l)
		if err != nil {
			return out, stepFailed(fmt.Sprintf("link %d of %d (%s)", i+1, len(plan.links), l.Email), err)
		}
		out.links = append(out.links, made)
	}
	return out, nil
}

// removeRoom undoes the room step: the store deletes the room with its
// schedules and links, and the bridge stops serving it.
func (s *meetingsAPI) removeRoom(ctx context.Context, number string) {
	ctx = context.WithoutCancel(ctx)
	if err := s.rooms.store.DeleteRoom(ctx, number); err != nil && !errors.Is(err, store.ErrNotFound) {
		s.rooms.log.Error("api meeting: room not removed after a failed step", "room", number, "err", err)
	}
	if err := s.rooms.bridge.RemoveRoom(number); err != nil && !errors.Is(err, bridge.ErrUnknownRoom) {
		s.rooms.log.Error("api meeting: room not stopped after a failed step", "room", number, "err", err)
	}
}

// stepFailed names the step of a meeting that failed in err's answer.
func stepFailed(step string, err error) error {
	e := *statusOf(err)
	e.Message = "the meeting was not made: step " + step + " failed, and nothing was kept: " + e.Message
	return &e
}

// plan checks req for p: the room (newRoom), the schedule and every
// participant, whose problems are all listed.
func (s *meetingsAPI) plan(p principal, req MeetingRequest) (meetingPlan, error) {
	var plan meetingPlan
	if len(req.Participants) > MaxMeetingParticipants {
		return plan, &Error{Status: http.StatusBadRequest, Field: "participants",
			Message: fmt.Sprintf("participants: %d listed, at most %d", len(req.Participants), MaxMeetingParticipants)}
	}
	room, err := s.rooms.newRoom(p, req.Room)
	if err != nil {
		return plan, prefixField("room.", err)
	}
	if req.Schedule != nil {
		sc, err := s.checkSchedule(*req.Schedule)
		if err != nil {
			return plan, prefixField("schedule.", err)
		}
		plan.schedule = &sc
	}
	var problems []string
	first := ""
	seen := make(map[string]int)
	for i, mp := range req.Participants {
		calls, link, err := s.checkParticipant(i, mp, plan.schedule != nil)
		if err == nil {
			for _, key := range participantKeys(mp, calls, link) {
				if j, dup := seen[key]; dup {
					err = &Error{Field: fmt.Sprintf("participants[%d].value", i), Message: fmt.Sprintf("%q is already listed as participants[%d]", mp.Value, j)}
					break
				}
				seen[key] = i
			}
		}
		if err != nil {
			e := statusOf(err)
			if first == "" {
				first = e.Field
			}
			problems = append(problems, e.Message)
			continue
		}
		if ext := memberOf(mp); ext != "" && ext != room.Owner && !slices.Contains(room.Members, ext) {
			room.Members = append(room.Members, ext)
		}
		if plan.schedule != nil {
			plan.schedule.Participants = append(plan.schedule.Participants, calls...)
		}
		if link != nil {
			plan.links = append(plan.links, *link)
		}
	}
	if len(problems) > 0 {
		msg := problems[0]
		if len(problems) > 1 {
			msg = fmt.Sprintf("%d participants are wrong: %s", len(problems), strings.Join(problems, "; "))
		}
		return plan, &Error{Status: http.StatusBadRequest, Field: first, Message: msg, Problems: problems}
	}
	if err := validateRoom(&room); err != nil {
		return plan, prefixField("room.", err)
	}
	if len(plan.links) > 0 && s.links.mailer == nil {
		return plan, &Error{Status: http.StatusServiceUnavailable, Field: "participants",
			Message: "email is not configured (smtp in the config file): the participants with an email address cannot be invited; nothing was made"}
	}
	plan.room = room
	return plan, nil
}

// checkParticipant checks the i-th participant and returns whom to call
// at a scheduled start (and, if an extension, make a member), and the
// personal link to mail, if any. Every error names its field.
func (s *meetingsAPI) checkParticipant(i int, mp MeetingParticipant, scheduled bool) ([]store.ScheduledParticipant, *store.Link, error) {
	field := func(name string) string { return fmt.Sprintf("participants[%d].%s", i, name) }
	bad := func(name, format string, args ...any) error {
		return &Error{Status: http.StatusBadRequest, Field: field(name), Message: field(name) + " " + fmt.Sprintf(format, args...)}
	}
	value := strings.TrimSpace(mp.Value)
	if value == "" {
		return nil, nil, bad("value", "is required: a login, an extension, a phone number or an email address")
	}
	role := bridge.RoleAttendee
	if mp.Role != "" {
		r, err := bridge.ParseRole(mp.Role)
		if err != nil || r == bridge.RoleNoAccess {
			return nil, nil, bad("role", "%q: must be owner, moderator, presenter, attendee or spectator", mp.Role)
		}
		role = r
	}
	name := strings.TrimSpace(mp.Name)
	if err := checkText(field("name"), name, maxNameLen); err != nil {
		return nil, nil, err
	}
	if err := checkLanguage(field("language"), mp.Language); err != nil {
		return nil, nil, err
	}
	call := func(target string) store.ScheduledParticipant {
		return store.ScheduledParticipant{Target: target, Name: name, Role: string(role)}
	}
	var calls []store.ScheduledParticipant
	email := ""
	switch mp.Kind {
	case ParticipantExtension:
		if err := s.checkExtension(value); err != nil {
			return nil, nil, bad("value", "%v", err)
		}
		calls = append(calls, call(value))
	case ParticipantNumber:
		if _, err := dialplan.ParseTarget(value); err != nil {
			return nil, nil, bad("value", "%q: %v", value, err)
		}
		if !scheduled {
			return nil, nil, bad("value", "%q: a phone number is called at a scheduled start: schedule the meeting, or call them from the console", value)
		}
		calls = append(calls, call(value))
	case ParticipantEmail:
		email = value
	case ParticipantUser:
		ext, addr := strings.TrimSpace(mp.Extension), strings.TrimSpace(mp.Email)
		if ext == "" && addr == "" {
			return nil, nil, bad("value", "%q: this user has neither an extension nor an email address, so cannot be called or invited", value)
		}
		if ext != "" {
			if err := s.checkExtension(ext); err != nil {
				return nil, nil, bad("extension", "%v", err)
			}
			calls = append(calls, call(ext))
		}
		if addr != "" {
			if err := checkEmail(field("email"), addr); err != nil {
				return nil, nil, err
			}
			email = addr
		}
		if name == "" {
			name = value
			for j := range calls {
				calls[j].Name = name
			}
		}
	case "":
		return nil, nil, bad("kind", "is required: user, extension, number or email")
	default:
		return nil, nil, bad("kind", "%q: want user, extension, number or email", mp.Kind)
	}
	if email == "" {
		return calls, nil, nil
	}
	if mp.Kind == ParticipantEmail {
		if err := checkEmail(field("value"), email); err != nil {
			return nil, nil, err
		}
	}
	linkName := name
	if linkName == "" {
		linkName = email
	}
	l, err := s.links.checkLinkRequest(LinkRequest{Kind: "guest", Name: linkName, Email: email, Role: string(role),
		Language: mp.Language, SendEmail: s.links.mailer != nil})
	if err != nil {
		return nil, nil, prefixField(field(""), err)
	}
	return calls, &l, nil
}

// checkExtension refuses what is not an extension number.
func (s *meetingsAPI) checkExtension(ext string) error {
	t, err := dialplan.ParseTarget(ext)
	if err != nil || t.Kind != dialplan.KindExtension {
		return fmt.Errorf("%q is not an extension number", ext)
	}
	if !s.isExtension(ext) {
		return fmt.Errorf("%q: there is no such extension", ext)
	}
	return nil
}

// isExtension reports whether ext is a configured extension (any, when
// none are known).
func (s *meetingsAPI) isExtension(ext string) bool {
	return len(s.rooms.policy.extensions) == 0 || s.rooms.policy.extensions[ext]
}

// participantKeys are what makes a participant the same as another: the
// numbers it is called on and the address it is mailed to.
func participantKeys(mp MeetingParticipant, calls []store.ScheduledParticipant, link *store.Link) []string {
	var keys []string
	for _, c := range calls {
		keys = append(keys, "call "+c.Target)
	}
	if link != nil {
		keys = append(keys, "mail "+strings.ToLower(link.Email))
	}
	if mp.Kind == ParticipantUser {
		keys = append(keys, "user "+strings.ToLower(strings.TrimSpace(mp.Value)))
	}
	return keys
}

// checkSchedule checks a meeting's schedule as POST …/schedules would.
func (s *meetingsAPI) checkSchedule(ms MeetingSchedule) (store.Schedule, error) {
	var sc store.Schedule
	var err error
	if sc.TimeZone, err = checkTimeZone(ms.TimeZone); err != nil {
		return sc, err
	}
	loc, _ := time.LoadLocation(sc.TimeZone)
	if sc.Start, err = parseMeetingTime("start", ms.Start, loc); err != nil {
		return sc, err
	}
	switch {
	case ms.End != "" && ms.DurationMinutes != 0:
		return sc, &Error{Status: http.StatusBadRequest, Field: "duration_minutes", Message: "give end or duration_minutes, not both"}
	case ms.End != "":
		if sc.End, err = parseMeetingTime("end", ms.End, loc); err != nil {
			return sc, err
		}
	case ms.DurationMinutes < 0 || ms.DurationMinutes > maxMeetingMinutes:
		return sc, &Error{Status: http.StatusBadRequest, Field: "duration_minutes",
			Message: fmt.Sprintf("duration_minutes %d: want 1 to %d", ms.DurationMinutes, maxMeetingMinutes)}
	default:
		d := ms.DurationMinutes
		if d == 0 {
			d = defaultMeetingMinutes
		}
		sc.End = sc.Start.Add(time.Duration(d) * time.Minute)
	}
	if err := s.schedules.checkStart(sc.Start); err != nil {
		return sc, err
	}
	return sc, checkEnd("end", sc)
}

// parseMeetingTime reads an RFC 3339 time, or a local date and time
// ("2026-03-02T09:00", seconds optional) in loc.
func parseMeetingTime(field, s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return parseScheduleTime(field, s)
}

// prefixField puts prefix before the field err names, so that a room's
// "pin" is the meeting's "room.pin".
func prefixField(prefix string, err error) error {
	e := *statusOf(err)
	if e.Field != "" && !strings.HasPrefix(e.Field, "participants[") {
		e.Field = prefix + e.Field
	} else if e.Field == "" {
		e.Field = strings.TrimSuffix(prefix, ".")
	}
	if strings.HasPrefix(prefix, "participants[") && !strings.HasPrefix(e.Message, prefix) {
		e.Message = strings.TrimSuffix(prefix, ".") + ": " + e.Message
	}
	return &e
}

// memberOf is the extension a checked participant makes a member of the
// room: an extension's, or a directory user's; "" for none.
func memberOf(mp MeetingParticipant) string {
	switch mp.Kind {
	case ParticipantExtension:
		return strings.TrimSpace(mp.Value)
	case ParticipantUser:
		return strings.TrimSpace(mp.Extension)
	}
	return ""
}
