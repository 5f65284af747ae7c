// A room's page of the organisers' app (/app/rooms/ROOM): see web/app.go.
'use strict';
