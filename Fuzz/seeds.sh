#!/usr/bin/env bash
# Writes the fuzzer's seed corpus into DIR (default .build-fuzz/seeds): every golden fixture's
# input, and a few files for what the fixtures reach only at their edges (UTF-16 both ways, BOMs
# and blank lines, quotes across lines, every delimiter, the tight limits of the strict option set).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-.build-fuzz/seeds}
rm -rf "$dir"
mkdir -p "$dir"

for fixture in Tests/Fixtures/*/; do
    case=$(basename "$fixture")
    for input in "$fixture"input.*; do
        [ -e "$input" ] || continue
        if [[ $input == *.hex ]]; then
            # Hex pairs, with "#" comments.
            sed 's/#.*//' "$input" | perl -ne 'print pack("H*", join("", /([0-9a-fA-F]{2})/g))' \
                > "$dir/fixture-$case"
        else
            cp "$input" "$dir/fixture-$case"
        fi
    done
    [ -e "$fixture/setup.csv" ] && cp "$fixture/setup.csv" "$dir/setup-$case"
done

header='Email ID,First Name,Last Name,User Status'
sample="$header
ann@example.com,Ann,Lee,New
ann@example.com,,,Activate
Bob@Example.com,Bob,Ray,Update
bob@example.com,,,Delete
"
seed() { printf '%s' "$2" > "$dir/$1"; }
seed all-statuses.csv "$sample"
seed semicolon.csv "${sample//,/;}"
seed pipe.csv "${sample//,/|}"
seed tab.csv "${sample//,/$'\t'}"
seed crlf.csv "${sample//$'\n'/$'\r\n'}"
seed cr.csv "${sample//$'\n'/$'\r'}"
seed quoted.csv "$header,Title
\"ann@example.com\",\"Ann \"\"A\"\" \",\"Lee, Jr\",New,\"line one
line two\"
x@example.com,\"un\"closed,Lee,New,t
y@example.com,Y,Z,New,\"open
"
seed blank-lines-first.csv $'\n\n  \n\t\n'"$sample"
# More blank bytes than the strict set's MaxRecordBytes before a semicolon header.
seed many-blank-lines-first.csv "$(printf ' \t\r\n%.0s' {1..30})${sample//,/;}"
seed too-long-for-strict.csv "$header
a@example.com,Abcdefghijklmnopq,Lee,New
b@example.com,B,Lee,Unknown
c@example.com,C,Lee,New
d@example.com,D,Lee,New
e@example.com,E,Lee,New
f@example.com,F,Lee,New
g@example.com,G,Lee,New
"
seed aliases.csv "E-mail Address , Given Name,Surname,Action,Phone,Job Title,Dept,Employee ID,Notes
ann@example.com,Ann,Lee,New,+1 555,=SUM(A1),@cmd,-1,x
"
printf '\xEF\xBB\xBF%s' "$sample" > "$dir/utf8-bom.csv"
printf '\xEF\xBB\xBF\n%s' "$sample" > "$dir/utf8-bom-blank-line-first.csv"
printf '%s' "$sample" | iconv -f UTF-8 -t UTF-16LE | { printf '\xFF\xFE'; cat; } > "$dir/utf16le.csv"
printf '%s' "$sample" | iconv -f UTF-8 -t UTF-16BE | { printf '\xFE\xFF'; cat; } > "$dir/utf16be.csv"
printf '%s\nj\xE9r\xF4me@example.com,J\xE9r\xF4me,M\x80ller,New\n' "$header" > "$dir/windows-1252.csv"
printf '%s\nann@example.com,A\xC2\x85n,L\xE2\x80\xAEee,New\n' "$header" > "$dir/unicode-controls.csv"
echo "$(find "$dir" -type f | wc -l) seeds in $dir"
