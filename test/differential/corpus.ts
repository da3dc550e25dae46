/** Hand-written differential corpus: templates rendered by Dockyard's engine and by Go text/template + Sprig. */
export const baseData = {
  Run: {
    ID: 'cf31', Registry: 'myregistry.azurecr.io', RegistryName: 'myregistry', Date: '20190531-221550z', OS: 'linux',
    Architecture: 'amd64', Commit: 'abc123', Branch: 'main', SharedVolume: 'acb_vol_1', TaskName: 'multiple-reg',
  },
  Build: { ID: 'cf31' },
  Values: {
    REGISTRY1: 'customregistry1.azurecr.io', REGISTRY2: 'customregistry2.azurecr.io', n: 3, neg: -7, f: 1.5, big: 1234567.5,
    b: true, no: false, list: ['a', 'b', 'c'], nums: [3, 1, 2], m: { x: '1', y: '2', z: { deep: 'yes' } }, empty: '',
    nil: null, emptyList: [], emptyMap: {}, mixed: [1, 'two', null, true, 2.5], html: '<a href="x">&</a>', ws: '  pad  ',
    multi: 'line1\nline2', ver: '1.4.2', json: '{"a":1}', csv: 'a,b,,c', path: '/usr/local/bin', zero: 0,
  },
  Secrets: { name: 's3cr3t', other: 'p@ss' },
};

export const handCorpus: string[] = [
  // plain text and actions
  'hello', '', '{{ .Run.ID }}', '{{.Run.Registry}}/app:{{.Run.ID}}', '{{ .Build.ID }}', '{{ .Values.REGISTRY1 }}/hello-world:{{ .Run.ID }}',
  'build: -t {{.Values.REGISTRY1}}/hello-world:{{.Run.ID}} . -f hello-world.dockerfile', '{{ .Values.missing }}|', '{{ .Missing.Deep }}',
  '{{ .Values.nil }}', '{{ .Values.m }}', '{{ .Values.list }}', '{{ .Values.mixed }}', '{{ .Values.n }} {{ .Values.f }} {{ .Values.big }}',
  '{{ .Values.b }}{{ .Values.no }}', '{{ .Values.emptyList }}{{ .Values.emptyMap }}', '{{ . }}', '{{ .Values.m.z.deep }}',
  '{{ 1 }} {{ -2 }} {{ 1.0 }} {{ 1.50 }} {{ 1e3 }} {{ 1e6 }} {{ 0x1F }} {{ 0o17 }} {{ 0b101 }} {{ 1_000 }}', "{{ 'a' }} {{ '\\n' }}",
  '{{ "quoted\\tstring" }}', '{{ `raw\\nstring` }}', '{{ true }} {{ false }}', '{{ 0.000001 }} {{ 0.0001 }} {{ 123456789.0 }}',
  // whitespace trimming and comments
  'a  {{- .Run.ID -}}  b', 'a\n{{- .Run.ID }}\nb', 'a {{ .Run.ID -}}\n\n b', '{{/* comment */}}x', 'x{{- /* c */ -}}  y', '{{- /* multi\nline */ -}}\nz',
  '  {{- "t" -}}  ', '{{ 3 -}} {{- 4 }}', '{{ -3 }}',
  // variables
  '{{ $x := .Run.ID }}{{ $x }}', '{{ $x := 1 }}{{ $x = 2 }}{{ $x }}', '{{ $ := . }}', '{{ $.Run.ID }}', '{{ with .Run }}{{ $.Values.n }}{{ .ID }}{{ end }}',
  '{{ $a := .Values.m }}{{ $a.x }}{{ $a.z.deep }}', '{{ $u := .Values.missing }}[{{ $u }}]', '{{ $v := "s" }}{{ if true }}{{ $v = "t" }}{{ end }}{{ $v }}',
  // if / else
  '{{ if .Values.b }}yes{{ end }}', '{{ if .Values.no }}yes{{ else }}no{{ end }}', '{{ if .Values.missing }}a{{ else if .Values.n }}b{{ else }}c{{ end }}',
  '{{ if .Values.empty }}a{{ else if .Values.zero }}b{{ else if .Values.emptyList }}c{{ else }}d{{ end }}', '{{ if and .Values.b .Values.n }}both{{ end }}',
  '{{ if or .Values.no .Values.empty }}x{{ else }}neither{{ end }}', '{{ if not .Values.no }}not{{ end }}', '{{ and 1 0 2 }} {{ or 0 "" "z" }} {{ and 1 2 }} {{ or 0 "" }}',
  '{{ if eq .Run.OS "linux" }}L{{ else }}W{{ end }}', '{{ if ne .Run.Branch "main" }}feature{{ else }}main{{ end }}', '{{ if .Values.emptyMap }}m{{ else }}nm{{ end }}',
  // range
  '{{ range .Values.list }}[{{ . }}]{{ end }}', '{{ range $i, $v := .Values.list }}{{ $i }}={{ $v }};{{ end }}', '{{ range $k, $v := .Values.m }}{{ $k }}:{{ $v }} {{ end }}',
  '{{ range .Values.emptyList }}x{{ else }}empty{{ end }}', '{{ range .Values.missing }}x{{ else }}none{{ end }}', '{{ range $v := .Values.nums }}{{ $v }}{{ end }}',
  '{{ range .Values.list }}{{ if eq . "b" }}{{ continue }}{{ end }}{{ . }}{{ end }}', '{{ range .Values.list }}{{ if eq . "b" }}{{ break }}{{ end }}{{ . }}{{ end }}',
  '{{ range .Values.mixed }}<{{ . }}>{{ end }}', '{{ range $i, $e := .Values.m }}{{ $i }}{{ end }}', '{{ range .Values.list }}{{ $.Run.ID }}{{ end }}',
  '{{ range (list 1 2 3) }}{{ . }}{{ end }}', '{{ range $k, $v := dict "b" 2 "a" 1 }}{{ $k }}{{ $v }}{{ end }}',
  // with
  '{{ with .Values.m }}{{ .x }}{{ end }}', '{{ with .Values.missing }}x{{ else }}nothing{{ end }}', '{{ with $x := .Values.n }}{{ $x }}{{ end }}',
  // define / template / block
  '{{ define "t1" }}T1:{{ . }}{{ end }}{{ template "t1" .Run.ID }}', '{{ define "x" }}[{{ .ID }}]{{ end }}{{ template "x" .Run }}{{ template "x" .Build }}',
  '{{ block "b" .Values.n }}block={{ . }}{{ end }}', '{{ template "nope" }}', '{{ define "r" }}{{ if gt . 0 }}{{ . }}{{ template "r" (sub . 1) }}{{ end }}{{ end }}{{ template "r" 3 }}',
  '{{ define "noarg" }}{{ . }}{{ end }}[{{ template "noarg" }}]',
  // comparisons
  '{{ eq 1 1 }} {{ eq 1 2 }} {{ eq "a" "a" }} {{ eq 1 2 3 1 }} {{ ne 1 2 }}', '{{ lt 1 2 }} {{ le 2 2 }} {{ gt 1 2 }} {{ ge 3 2 }} {{ lt "a" "b" }}',
  '{{ eq .Values.n 3 }}', '{{ lt 1.5 2.5 }}', '{{ eq .Values.missing "" }}', '{{ eq 1 "1" }}', '{{ lt true false }}', '{{ eq .Values.list .Values.list }}',
  // len / index / slice
  '{{ len .Values.list }} {{ len .Values.m }} {{ len "héllo" }} {{ len .Values.emptyList }}', '{{ index .Values.list 1 }}', '{{ index .Values.m "x" }}',
  '{{ index .Values.m "nope" }}|', '{{ index .Values.list 5 }}', '{{ slice .Values.list 1 }}', '{{ slice "abcdef" 1 3 }}', '{{ index .Values "REGISTRY1" }}',
  '{{ len 3 }}', '{{ len .Values.missing }}', '{{ index .Values.m.z "deep" }}', '{{ slice .Values.list 1 2 }}',
  // print family
  '{{ print "a" "b" 1 2 "c" }}', '{{ print 1 2 }}', '{{ println "x" 1 }}', '{{ print .Values.missing }}', '{{ print nil }}', '{{ print .Values.list }}',
  '{{ printf "%s-%d" "a" 5 }}', '{{ printf "%05d|%-5s|%5s|%x|%X|%q|%t|%v" 42 "ab" "cd" 255 255 "q\\"" true .Values.m }}', '{{ printf "%d" "str" }}',
  '{{ printf "%s" 5 }}', '{{ printf "%d %d" 1 }}', '{{ printf "%d" 1 2 }}', '{{ printf "%.2f %e %g" 3.14159 1234.5 0.5 }}', '{{ printf "%v %v" .Values.nil .Values.list }}',
  '{{ printf "%6.2f|%-8.3f|%+d" 3.14159 2.5 5 }}', '{{ printf "%c%c" 72 105 }}', '{{ printf "%o %b %#x" 8 5 255 }}', '{{ printf "%%" }}', '{{ printf "%T %T %T" 1 "s" .Values.m }}',
  '{{ printf "%s" .Values.list }}', '{{ printf "%q" .Values.list }}', '{{ printf "%x" "hi" }}', '{{ printf "%.3s" "abcdef" }}', '{{ printf "%5.1f" 2.25 }}',
  '{{ "x" | printf "%s!" }}', '{{ .Run.ID | printf "%s-%s" "pre" }}', '{{ printf "%*d" 5 3 }}',
  // html / js / urlquery
  '{{ html .Values.html }}', '{{ js "it\'s <b>" }}', '{{ urlquery "a b&c=d/é" }}', '{{ .Values.html | html }}', '{{ html 1 "a" }}',
  // pipelines and parens
  '{{ .Run.ID | upper }}', '{{ .Run.ID | upper | lower }}', '{{ (.Run.ID) }}', '{{ (upper .Run.ID) }}{{ (.Values.m).x }}', '{{ upper (print "a" "b") }}',
  '{{ .Values.list | len }}', '{{ "abc" | upper | printf "%s=%d" "len" | print }}', '{{ (dict "a" "b").a }}',
  // sprig strings
  '{{ upper "abc" }} {{ lower "ABC" }} {{ title "hello world-foo_bar" }} {{ trim "  x  " }}', '{{ trimPrefix "pre" "prefix" }} {{ trimSuffix "fix" "prefix" }}',
  '{{ replace "a" "b" "banana" }}', '{{ contains "an" "banana" }} {{ hasPrefix "ba" "banana" }} {{ hasSuffix "na" "banana" }}', '{{ quote "a" 1 .Values.nil }}',
  '{{ squote "a" "b" }}', '{{ cat "a" 1 .Values.nil "b" }}', '{{ indent 4 .Values.multi }}', '{{ nindent 2 "x" }}', '{{ repeat 3 "ab" }}', '{{ substr 1 3 "hello" }}',
  '{{ substr 2 99 "hello" }}', '{{ trunc 3 "hello" }} {{ trunc -2 "hello" }} {{ trunc 10 "hi" }}', '{{ split "," "a,b,c" }}', '{{ (split "," "a,b,c")._1 }}',
  '{{ splitList "," .Values.csv }}', '{{ join "-" .Values.list }}', '{{ join "," (splitList "," "x,y") }}', '{{ join "+" .Values.mixed }}', '{{ .Values.ws | trim | upper }}',
  '{{ trimAll "$" "$$5.00$" }}', '{{ nospace "a b  c" }}', '{{ replace "" "-" "abc" }}', '{{ title "" }}', '{{ join "," "single" }}',
  // defaults and flow
  '{{ default "def" .Values.missing }}', '{{ default "def" .Values.empty }}', '{{ default "def" .Values.n }}', '{{ .Values.missing | default "piped" }}',
  '{{ default "d" .Values.zero }}', '{{ empty .Values.empty }} {{ empty .Values.n }} {{ empty .Values.emptyList }} {{ empty .Values.missing }}',
  '{{ coalesce .Values.missing .Values.empty "c" }}', '{{ coalesce .Values.missing }}', '{{ ternary "y" "n" true }} {{ ternary "y" "n" .Values.no }}',
  '{{ .Values.b | ternary "on" "off" }}',
  // lists and dicts
  '{{ list 1 "a" 2.5 }}', '{{ first .Values.list }} {{ last .Values.list }}', '{{ first .Values.emptyList }}|', '{{ append .Values.list "d" }}', '{{ .Values.list }}',
  '{{ dict "k" "v" "n" 1 }}', '{{ get .Values.m "x" }} [{{ get .Values.m "nope" }}]', '{{ $d := dict "a" 1 }}{{ $_ := set $d "b" 2 }}{{ $d }}', '{{ hasKey .Values.m "x" }} {{ hasKey .Values.m "q" }}',
  '{{ keys .Values.m | sortAlpha }}', '{{ rest .Values.list }} {{ initial .Values.list }}', '{{ has "b" .Values.list }}', '{{ uniq (list 1 1 2) }}', '{{ reverse .Values.list }}',
  '{{ without .Values.list "a" }}', '{{ compact (list "" 1 0 "x") }}', '{{ dict "odd" }}', '{{ sortAlpha (list "b" "a" "c") }}',
  // encoding and crypto
  '{{ b64enc "hello" }}', '{{ b64dec "aGVsbG8=" }}', '{{ .Secrets.name | b64enc }}', '{{ b64enc .Values.missing }}|', '{{ .Values.missing | b64enc }}|', '{{ b64dec "!!" }}',
  '{{ sha256sum "abc" }}', '{{ sha1sum "abc" }}', '{{ toJson .Values.m }}', '{{ toJson .Values.list }}', '{{ toJson .Values.html }}', '{{ toPrettyJson .Values.m }}',
  '{{ toJson .Values.mixed }}', '{{ toJson .Values.nil }}', '{{ toJson 1.5 }}', '{{ toJson .Run }}',
  // conversions and math
  '{{ atoi "42" }} {{ atoi "x" }}', '{{ int "12" }} {{ int 3.9 }} {{ int "0x10" }} {{ int true }}', '{{ toString 5 }} {{ toString .Values.list }}',
  '{{ add 1 2 3 }} {{ sub 5 3 }} {{ mul 2 3 }} {{ div 7 2 }} {{ mod 7 3 }} {{ max 1 5 3 }} {{ min 4 2 }}', '{{ add1 .Values.n }}', '{{ div 1 0 }}',
  // regex and semver
  '{{ regexMatch "^[a-z]+$" "abc" }} {{ regexMatch "^[a-z]+$" "ab1" }}', '{{ regexFind "[0-9]+" "abc123def456" }}', '{{ regexReplaceAll "a(x*)b" "-ab-axxb-" "${1}W" }}',
  '{{ regexReplaceAll "([a-z]+)-([0-9]+)" "app-12" "$2_$1" }}', '{{ regexFindAll "[0-9]" "a1b2c3" 2 }}', '{{ regexMatch "(" "x" }}',
  '{{ semverCompare ">=1.2.0" .Values.ver }} {{ semverCompare "<1.4.0" .Values.ver }} {{ semverCompare "~1.4.0" .Values.ver }} {{ semverCompare "^1.0.0" .Values.ver }}',
  '{{ semverCompare "1.4.x" "1.4.9" }} {{ semverCompare ">1.0, <2.0" "1.5.0" }} {{ semverCompare "^0.2.3" "0.2.5" }} {{ semverCompare "^0.2.3" "0.3.0" }}',
  '{{ (semver "1.2.3").Major }} {{ (semver "v2.3.4-beta.1").Prerelease }}', '{{ semverCompare ">=1.0.0" "1.1.0-rc1" }}', '{{ semver "bad" }}',
  // dates with fixed inputs
  '{{ date "2006-01-02" 0 }}', '{{ date "20060102-150405z" 1559340950 }}', '{{ toDate "2006-01-02" "2019-05-31" | date "Jan 2, 2006" }}', '{{ date "Monday 15:04:05 PM" 86400 }}',
  // errors: both engines must fail
  '{{ foo }}', '{{ .Run.ID', '{{ if true }}x', '{{ end }}', '{{ else }}', '{{ range }}{{ end }}', '{{ $undefined }}', '{{ upper }}', '{{ upper "a" "b" }}',
  '{{ .Run.ID.Deep }}', '{{ nil }}', '{{ 1 | 2 }}', '{{ "a" | .Run.ID }}', '{{ printf }}', '{{ index .Values.list "x" }}', '{{ template "a" }}{{ define "a" }}{{ end }}',
  '{{ range 1.5 }}{{ end }}', '{{ (1).x }}', '{{ )}}', '{{ ( }}', '{{ "unterminated }}', '{{ /* bad */ }}', '{{/* unclosed', '{{ 1a }}', '{{ .a..b }}',
  '{{ break }}', '{{ define "d" }}x{{ end }}{{ define "d" }}y{{ end }}', '{{ $x := 1 }}{{ $x.y }}', '{{ upper .Values.missing }}', '{{ .Values.missing | upper }}',
  '{{ .Values.missing.sub }}', '{{ repeat -1 "x" }}', '{{ substr 9 10 "abc" }}', '{{ first 5 }}', '{{ .Values.list.x }}', '{{ eq .Values.m .Values.m }}', '{{ with }}{{ end }}',
  '{{ if }}{{ end }}', '{{ template }}', '{{ 3 4 }}', '{{ "s" 1 }}', '{{ $x = 1 }}', '{{ range $a, $b, $c := .Values.list }}{{ end }}', '{{ trunc "x" "y" }}',
  '{{ len nil }}', '{{ lt .Values.list 1 }}', '{{ call .Values.n }}', '{{ printf "%d" }}x{{', 'text {{ .Run.ID }} {{ .Values.m.x.y }}',
];
