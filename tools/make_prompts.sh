#!/usr/bin/env bash
# Regenerates the shipped prompt set, ccterm/data/prompts/{en,pl}/*.wav, with espeak-ng and
# sox: 8 kHz mono 16-bit PCM, the media loop's own format, so nothing is converted at load.
# Run once and commit the WAVs; tests and CI never need espeak-ng or sox.
#   apt-get install -y espeak-ng sox && tools/make_prompts.sh
# The output is deterministic (no dither), so a rerun without changes leaves git clean.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=ccterm/data/prompts
for tool in espeak-ng sox; do
    command -v "$tool" >/dev/null || { echo "$tool is missing: apt-get install -y espeak-ng sox" >&2; exit 69; }
done

# Speech: espeak-ng at 22 kHz -> trim its silences -> 8 kHz mono 16-bit, even loudness.
# A word gets a short tail so words said one after another (numbers) do not run together.
say() { # voice file text [tail seconds]
    local voice=$1 file=$2 text=$3 tail=${4:-0.12}
    espeak-ng -v "$voice" -s 160 --stdout "$text" |
        sox -D -t wav - -r 8000 -c 1 -b 16 -e signed-integer "$OUT/$file.wav" \
            silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse norm -3 pad 0 "$tail"
}

# Tones: the same in every language.
tones() { # dir
    local dir=$1 fmt=(-D -r 8000 -c 1 -b 16 -e signed-integer)
    # a gentle loop, 10 s: four soft chords of 2.5 s, each faded in and out (no clicks,
    # and the loop's end meets its start in silence)
    local tmp chords=("392 494 587" "349 440 523" "330 392 494" "349 440 587") i=0
    tmp=$(mktemp -d)
    for chord in "${chords[@]}"; do
        read -r a b c <<<"$chord"
        sox -n "${fmt[@]}" "$tmp/$i.wav" synth 2.5 sine "$a" sine "$b" sine "$c" \
            remix - fade q 0.4 2.5 0.6
        i=$((i + 1))
    done
    sox -D "$tmp"/{0,1,2,3}.wav "$dir/hold_music.wav" norm -14
    rm -r "$tmp"
    sox -n "${fmt[@]}" "$dir/beep.wav" synth 0.4 sine 1000 fade q 0.01 0.4 0.01 norm -6
    # what the agent hears just before the caller is put through: two short rising notes,
    # 0.2 s in all (the caller's voice reaches the agent after it: keep it short)
    sox -n "${fmt[@]}" "$dir/connect_tone.wav" \
        synth 0.08 sine 660 fade q 0.01 0.08 0.01 pad 0 0.02 \
        : synth 0.10 sine 880 fade q 0.01 0.10 0.02 norm -8
}

english() {
    local v=en
    mkdir -p "$OUT/en"
    say $v en/invalid "That is not a valid choice." 0.25
    say $v en/hold "Please hold." 0.25
    say $v en/position "You are number"
    say $v en/in_line "in line." 0.25
    say $v en/expected_wait "The expected waiting time is"
    say $v en/minute "minute." 0.25
    say $v en/minutes "minutes." 0.25
    say $v en/less_than_a_minute "less than a minute." 0.25
    say $v en/callback_offer "Press 1 to be called back, keeping your place in line." 0.25
    say $v en/callback_confirm "Thank you. We will call you back." 0.25
    say $v en/voicemail "Please leave a message after the tone." 0.25
    say $v en/closed "We are closed now. Please call again during our opening hours." 0.25
    say $v en/not_in_service "This number is not in service." 0.25
    say $v en/goodbye "Goodbye." 0.25
    local words=(zero one two three four five six seven eight nine ten eleven twelve
        thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty)
    for n in "${!words[@]}"; do say $v "en/$n" "${words[$n]}"; done
    local tens=([30]=thirty [40]=forty [50]=fifty [60]=sixty [70]=seventy [80]=eighty
        [90]=ninety)
    for n in "${!tens[@]}"; do say $v "en/$n" "${tens[$n]}"; done
    say $v en/hundred "hundred"
    tones "$OUT/en"
}

polish() {
    local v=pl
    mkdir -p "$OUT/pl"
    say $v pl/invalid "Nieprawidłowy wybór." 0.25
    say $v pl/hold "Proszę czekać." 0.25
    say $v pl/position "Jesteś numer"
    say $v pl/in_line "w kolejce." 0.25
    say $v pl/expected_wait "Przewidywany czas oczekiwania to"
    say $v pl/minute "minuta." 0.25         # 1
    say $v pl/minutes_few "minuty." 0.25    # 2-4, 22-24, ...
    say $v pl/minutes "minut." 0.25         # 0, 5-21, 25-31, ...
    say $v pl/less_than_a_minute "mniej niż minuta." 0.25
    say $v pl/callback_offer "Naciśnij 1, aby zamówić oddzwonienie. Zachowasz swoje miejsce w kolejce." 0.25
    say $v pl/callback_confirm "Dziękujemy. Oddzwonimy do Ciebie." 0.25
    say $v pl/voicemail "Proszę zostawić wiadomość po sygnale." 0.25
    say $v pl/closed "Jesteśmy teraz nieczynni. Prosimy zadzwonić w godzinach pracy." 0.25
    say $v pl/not_in_service "Ten numer jest nieaktywny." 0.25
    say $v pl/goodbye "Do widzenia." 0.25
    local words=(zero jeden dwa trzy cztery pięć sześć siedem osiem dziewięć dziesięć
        jedenaście dwanaście trzynaście czternaście piętnaście szesnaście siedemnaście
        osiemnaście dziewiętnaście dwadzieścia)
    for n in "${!words[@]}"; do say $v "pl/$n" "${words[$n]}"; done
    local tens=([30]=trzydzieści [40]=czterdzieści [50]=pięćdziesiąt [60]=sześćdziesiąt
        [70]=siedemdziesiąt [80]=osiemdziesiąt [90]=dziewięćdziesiąt [100]=sto
        [200]=dwieście [300]=trzysta [400]=czterysta [500]=pięćset [600]=sześćset
        [700]=siedemset [800]=osiemset [900]=dziewięćset)
    for n in "${!tens[@]}"; do say $v "pl/$n" "${tens[$n]}"; done
    # feminine forms, for minutes: "jedna minuta", "dwie minuty", "dwadzieścia dwie minuty"
    say $v pl/1f "jedna"
    say $v pl/2f "dwie"
    tones "$OUT/pl"
}

rm -f "$OUT"/en/*.wav "$OUT"/pl/*.wav
english
polish
du -ch "$OUT"/*/*.wav | tail -1

# The demo's own menu prompt (ccterm demo copies it beside its config.toml).
mkdir -p ccterm/data/demo
espeak-ng -v pl -s 160 --stdout \
    "Dzień dobry, tu Acme Bank. W sprawie nowego konta wciśnij jeden. Obsługa klienta: wciśnij dwa." |
    sox -D -t wav - -r 8000 -c 1 -b 16 -e signed-integer ccterm/data/demo/welcome.wav \
        silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse norm -3 pad 0 0.3
