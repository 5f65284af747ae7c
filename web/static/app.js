// The meetings page of the organisers' app (/app/): see web/app.go.
'use strict';
