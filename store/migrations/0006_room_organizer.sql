-- A room made through the organisers' web app records who made it: the
-- signed-in user's login. A user without an extension (an LDAP user)
-- still sees and moderates the room they made. Empty: made by an admin
-- token, or before this column existed.
ALTER TABLE rooms ADD COLUMN organizer TEXT NOT NULL DEFAULT '';
