package per

import "testing"

func TestH323Parses(t *testing.T) {
	s, err := Parse(h235ASN, h225ASN, h245ASN)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range [][2]string{
		{"H323-MESSAGES", "H323-UserInformation"},
		{"MULTIMEDIA-SYSTEM-CONTROL", "MultimediaSystemControlMessage"},
		{"MULTIMEDIA-SYSTEM-CONTROL", "OpenLogicalChannel"},
		{"H235-SECURITY-MESSAGES", "CryptoToken"},
	} {
		if _, err := s.Type(tc[0], tc[1]); err != nil {
			t.Errorf("%s.%s: %v", tc[0], tc[1], err)
		}
	}
}
