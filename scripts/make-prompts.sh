#!/usr/bin/env bash
# Regenerates the voice prompts in prompts/en/ with espeak-ng and sox.
#
#   scripts/make-prompts.sh [outdir]     default outdir: prompts/en
#
# Every prompt is spoken by espeak-ng (US English voice, 160 words a minute)
# at its native 22050 Hz; sox then trims the silence at both ends (leaving
# 30 ms), shortens the pauses inside to 0.3 s, resamples to 16000 Hz mono
# 16-bit PCM and normalises the peak to -3 dBFS. 160 words a minute rather
# than espeak's 175 keeps the prompts easy to follow on a narrow-band phone
# line while the whole set stays under 2 MiB in the binary. Dither is off
# (-D), so the same espeak-ng and sox versions give byte-identical files and
# a regeneration shows no spurious diff.
#
# The IDs here must match prompts.IDs in prompts/ids.go; the package's tests
# check that every ID has a file and every file has an ID.
# Needs: apt-get install -y --no-install-recommends espeak-ng sox
set -euo pipefail

voice=en-us
speed=160
rate=16000

root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root/prompts/en}

for tool in espeak-ng sox; do
  command -v "$tool" >/dev/null || {
    echo "make-prompts: $tool is missing; apt-get install -y --no-install-recommends espeak-ng sox" >&2
    exit 1
  }
done

# id|text, one prompt a line.
prompts=(
  "enter_pin|Please enter the conference PIN, followed by the hash key."
  "wrong_pin|That PIN is not correct."
  "goodbye|Goodbye."
  "first_participant|You are the first participant."
  "participants_are|There are"
  "participants|participants in the conference."
  "one_other|There is one other participant."
  "joined|A participant has joined."
  "left|A participant has left."
  "muted|You are muted."
  "unmuted|You are unmuted."
  "locked|The conference is locked."
  "unlocked|The conference is unlocked."
  "room_locked|This conference is locked. Goodbye."
  "all_muted|All other participants are muted."
  "conference_ending|The conference is ending. Goodbye."
  "help|Press star six to mute or unmute. Star one for the number of participants. Star zero for help. Moderators: star two to lock, star three to mute everyone else, star nine to end the conference."
  "spectator|The conference is full. You are joining as a listener."
  "room_full|The conference is full. Goodbye."
  "no_host|No host has joined. Goodbye."
  "waiting_for_host|Please wait for the host to join."
  "moderator|You are a moderator."
  "ending_soon|The conference will end in one minute."
  "restarting|This service is restarting. Please call again in a minute."
  "enter_moderator_pin|Moderators, enter your PIN and the hash key. Everyone else, press hash to join."
  "digits_0|zero"
  "digits_1|one"
  "digits_2|two"
  "digits_3|three"
  "digits_4|four"
  "digits_5|five"
  "digits_6|six"
  "digits_7|seven"
  "digits_8|eight"
  "digits_9|nine"
  "digits_10|ten"
  "digits_11|eleven"
  "digits_12|twelve"
  "digits_13|thirteen"
  "digits_14|fourteen"
  "digits_15|fifteen"
  "digits_16|sixteen"
  "digits_17|seventeen"
  "digits_18|eighteen"
  "digits_19|nineteen"
  "digits_20|twenty"
  "digits_30|thirty"
  "digits_40|forty"
  "digits_50|fifty"
  "digits_60|sixty"
  "digits_70|seventy"
  "digits_80|eighty"
  "digits_90|ninety"
  "hundred|hundred"
)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

for p in "${prompts[@]}"; do
  id=${p%%|*}
  text=${p#*|}
  espeak-ng -v "$voice" -s "$speed" -w "$tmp/raw.wav" -- "$text"
  # silence -l 1 ... -1 ...: drop the leading audio under 0.3% of full
  # scale and shorten every pause inside to 0.3 s (espeak-ng pauses about
  # 0.6 s between sentences, which only makes the files bigger); reverse,
  # trim the tail the same way, reverse back; then 30 ms of pad each side so
  # a prompt never starts or stops mid-syllable.
  sox -D -V1 "$tmp/raw.wav" -r "$rate" -c 1 -b 16 -e signed-integer "$out/$id.wav" \
    silence -l 1 0.01 0.3% -1 0.3 0.3% reverse silence 1 0.01 0.3% reverse \
    rate -v "$rate" norm -3 pad 0.03 0.03
done

echo "make-prompts: wrote ${#prompts[@]} prompts to $out ($(du -ch "$out"/*.wav | tail -1 | cut -f1))" >&2
