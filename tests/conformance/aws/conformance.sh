#!/usr/bin/env bash
# Conformance of nimbus-sim's control plane with the real AWS CLI (Debian's /usr/bin/aws).
#
#   conformance.sh PATH/TO/bin        (the folder holding nimbus-sim and nimbus)
#
# Starts a simulator on a throwaway project, drives the Lambda and CloudWatch Logs APIs (and a
# little of SQS and S3) through the CLI exactly as a user would, and prints one line per
# check: "ok - NAME" or "FAIL - NAME: detail". Exits 1 if any check failed. The simulator is
# stopped and the temporary folder removed however the script ends.
#
#   CONFORMANCE_BUDGET=SECONDS   no call starts after that many seconds (default 300)
#   CONFORMANCE_KEEP=1           keep the temporary folder (project, simulator log)
set -u

if [ $# -ne 1 ] || [ ! -x "$1/nimbus-sim" ] || [ ! -x "$1/nimbus" ]; then
    echo "usage: $0 PATH/TO/bin   (the folder holding nimbus-sim and nimbus)" >&2
    exit 2
fi
BIN=$(cd "$1" && pwd)

# Debian's CLI and Python, as CI has them; nothing from the user's AWS set-up leaks in.
export PATH="/usr/bin:/bin:$PATH"
AWS=/usr/bin/aws
PY=/usr/bin/python3
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_PAGER=""
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_LAMBDA AWS_MAX_ATTEMPTS

# Seconds after which no call starts, so that the script ends well inside its CTest timeout.
BUDGET=${CONFORMANCE_BUDGET:-300}
ROLE=arn:aws:iam::000000000000:role/conformance
DLQ_ARN=arn:aws:sqs:us-east-1:000000000000:my-dlq
FAILED=0
SIM_PID=""
WORK=$(mktemp -d "${TMPDIR:-/tmp}/nimbus-aws-conformance.XXXXXX")
PROJECT=$WORK/project

# --- reporting -------------------------------------------------------------------------

ok() { echo "ok - $1"; }
fail() {
    echo "FAIL - $1: $(cut -c1-500 <<<"$2")"
    FAILED=$((FAILED + 1))
}
# expect NAME DETAIL COMMAND...: ok when COMMAND succeeds, otherwise FAIL with DETAIL.
expect() {
    local name=$1 detail=$2
    shift 2
    if "$@"; then ok "$name"; else fail "$name" "$detail"; fi
}
expect_same() { expect "$1" "expected '$2', got '$3'" [ "$2" = "$3" ]; }
contains() { [[ $1 == *"$2"* ]]; }
not() { ! "$@"; }
oneline() { printf '%s' "$1" | tr '\n\t' '  ' | cut -c1-300; }

# --- the simulator ---------------------------------------------------------------------

# simulator_running: asks bash, which knows when its child has ended (a bare pid could
# by then belong to another process).
simulator_running() {
    [ -n "$SIM_PID" ] && contains " $(jobs -pr | xargs) " " $SIM_PID "
}
# stop_simulator: SIGTERM, and SIGKILL if it still runs 10 s later (then returns 1).
stop_simulator() {
    [ -n "$SIM_PID" ] || return 0
    local pid=$SIM_PID status=0 _
    if simulator_running; then
        kill -TERM "$pid"
        for _ in $(seq 1 100); do
            simulator_running || break
            sleep 0.1
        done
        if simulator_running; then
            kill -KILL "$pid"
            status=1
        fi
    fi
    wait "$pid" 2>/dev/null
    SIM_PID=""
    return $status
}
cleanup() {
    stop_simulator
    if [ "$FAILED" -gt 0 ] && [ -s "$WORK/sim.log" ]; then
        echo "# the simulator's log, last 40 lines:"
        tail -n 40 "$WORK/sim.log" | sed 's/^/#   /'
    fi
    if [ -n "${CONFORMANCE_KEEP:-}" ]; then
        echo "# kept $WORK"
    else
        rm -rf "$WORK"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# json_field FILE KEY.SUBKEY: one value from a JSON file.
json_field() {
    "$PY" -c 'import json, sys
value = json.load(open(sys.argv[1]))
for key in sys.argv[2].split("."):
    value = value[key]
print(value)' "$1" "$2"
}

write_project() {
    mkdir -p "$PROJECT" "$WORK/code"
    # (fromlayer lists a layer version that check_layers publishes before it is invoked.)
    printf 'service: conf\nprovider:\n  name: aws\n  runtime: python3.11\nfunctions:\n  devfn:\n    handler: handler.main\n  fromlayer:\n    handler: layered.main\n    layers:\n      - arn:aws:lambda:us-east-1:000000000000:layer:shared:2\n' \
        >"$PROJECT/serverless.yml"
    printf 'def main(event, context):\n    return {"dev": True}\n' >"$PROJECT/handler.py"
    printf 'import layermod\n\ndef main(event, context):\n    return {"layer": layermod.VALUE}\n' \
        >"$PROJECT/layered.py"
}

start_simulator() {
    "$BIN/nimbus-sim" --project "$PROJECT" --async-retry-delay 0.2 >"$WORK/sim.log" 2>&1 &
    SIM_PID=$!
    local state=$PROJECT/.nimbus/sim.json
    for _ in $(seq 1 100); do
        if [ -s "$state" ] && ENDPOINT=$(json_field "$state" controlPlane 2>/dev/null); then
            export AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_DEFAULT_REGION
            AWS_ACCESS_KEY_ID=$(json_field "$state" credentials.accessKeyId)
            AWS_SECRET_ACCESS_KEY=$(json_field "$state" credentials.secretAccessKey)
            AWS_DEFAULT_REGION=$(json_field "$state" region)
            return 0
        fi
        simulator_running || break
        sleep 0.1
    done
    echo "FAIL - simulator starts: no $state; its log:"
    sed 's/^/    /' "$WORK/sim.log"
    exit 1
}

# --- the function code -----------------------------------------------------------------

# The handler: prints a line for the logs, records each run (id and time) in $RUNS_FILE
# when set, fails when the event asks it to, and answers with its code's version.
write_zip() { # write_zip ZIP VERSION
    "$PY" - "$1" "$2" <<'EOF'
import sys, zipfile
source = '''import json, os, time
VERSION = "%s"
def main(event, context):
    print("conformance-line from", context.function_name, json.dumps(event, sort_keys=True))
    if os.environ.get("RUNS_FILE"):
        with open(os.environ["RUNS_FILE"], "a") as runs:
            runs.write("%%s %%.3f\\n" %% (event.get("id"), time.time()))
    if event.get("fail"):
        raise RuntimeError("conformance failure " + str(event.get("id")))
    return {"version": VERSION, "greeting": os.environ.get("GREETING"), "echo": event}
''' % sys.argv[2]
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("app.py", source)
EOF
}

write_bad_zips() {
    "$PY" - "$WORK/code" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1] + "/evil.zip", "w") as z:
    z.writestr("app.py", "def main(event, context):\n    return 1\n")
    z.writestr("../evil.py", "print('escaped')\n")
# A zip whose directory reads well (the CLI checks that much) but whose data is damaged.
with zipfile.ZipFile(sys.argv[1] + "/corrupt.zip", "w", zipfile.ZIP_DEFLATED) as z:
    z.writestr("app.py", "def main(event, context):\n    return 1\n" * 20)
data = bytearray(open(sys.argv[1] + "/corrupt.zip", "rb").read())
for i in range(30 + len("app.py"), 40 + len("app.py")):
    data[i] ^= 0xFF
open(sys.argv[1] + "/corrupt.zip", "wb").write(data)
EOF
}

# A layer whose python/layermod.py Lambda's Python runtime imports (from /opt/python), and a
# handler that imports it.
write_layer_zips() {
    "$PY" - "$WORK/code" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1] + "/layer.zip", "w") as z:
    z.writestr("python/layermod.py", 'VALUE = "from the shared layer"\n')
with zipfile.ZipFile(sys.argv[1] + "/layered.zip", "w") as z:
    z.writestr("app.py", "import layermod\n\ndef main(event, context):\n"
                         "    return {\"layer\": layermod.VALUE}\n")
EOF
}

sha256_base64() { "$PY" -c 'import base64, hashlib, sys
print(base64.b64encode(hashlib.sha256(open(sys.argv[1], "rb").read()).digest()).decode())' "$1"; }

# --- calling the CLI -------------------------------------------------------------------

# call ARGS...: runs `aws --endpoint-url … ARGS`, bounded in time; sets OUT, ERR and RC.
# Once the budget is spent or the simulator is gone, calls fail at once.
call() {
    local left=$((BUDGET - SECONDS))
    if [ "$left" -le 0 ]; then
        OUT="" ERR="skipped: the script's ${BUDGET}s budget is spent" RC=124
        return
    fi
    if ! simulator_running; then
        OUT="" ERR="skipped: the simulator is not running (see its log below)" RC=125
        return
    fi
    [ "$left" -gt 60 ] && left=60
    OUT=$(timeout "$left" "$AWS" --endpoint-url "$ENDPOINT" "$@" 2>"$WORK/stderr")
    RC=$?
    ERR=$(<"$WORK/stderr")
}
# expect_call NAME WANT ARGS...: runs the call and checks its exit status is 0 and its
# output is WANT (use --query … --output text; tabs compare as spaces).
expect_call() {
    local name=$1 want=$2
    shift 2
    call "$@"
    if [ "$RC" -ne 0 ]; then
        fail "$name" "exit $RC: $(oneline "$ERR")"
    elif [ "${OUT//$'\t'/ }" != "$want" ]; then
        fail "$name" "expected '$(oneline "$want")', got '$(oneline "$OUT")'"
    else
        ok "$name"
    fi
}
# expect_error NAME ERROR_CODE ARGS...: the call fails with exit 254 and names ERROR_CODE.
expect_error() {
    local name=$1 code=$2
    shift 2
    call "$@"
    if [ "$RC" -ne 254 ] || ! contains "$ERR" "($code)"; then
        fail "$name" "expected exit 254 with $code, got exit $RC: $(oneline "$ERR$OUT")"
    else
        ok "$name"
    fi
}
# call_debug ARGS...: call with --debug; also sets STATUS, the HTTP status of the last
# request (ERR holds the debug log, which ends with the CLI's error message).
call_debug() {
    call "$@" --debug
    STATUS=$(grep -oE '"[A-Z]+ /[^"]*HTTP/1.1" [0-9]{3}' <<<"$ERR" | tail -1 | awk '{print $NF}')
}

create_function() { # create_function NAME ZIP EXTRA-ARGS...
    local name=$1 zip=$2
    shift 2
    call lambda create-function --function-name "$name" --runtime python3.11 \
        --handler app.main --role "$ROLE" --zip-file "fileb://$zip" "$@" \
        --query '[FunctionName,State,Version]' --output text
    if [ "$RC" -eq 0 ] && [ "${OUT//$'\t'/ }" = "$name Active \$LATEST" ]; then
        ok "create-function $name"
    else
        fail "create-function $name" "exit $RC: $(oneline "$OUT$ERR")"
    fi
}

# invoke NAME PAYLOAD EXTRA-ARGS...: a RequestResponse invoke; the response JSON is in
# OUT and the function's answer in $WORK/answer.json.
invoke() {
    local name=$1 payload=$2
    shift 2
    rm -f "$WORK/answer.json"
    call lambda invoke --function-name "$name" --cli-binary-format raw-in-base64-out \
        --payload "$payload" "$@" "$WORK/answer.json"
}
# field JSON EXPRESSION: a Python expression over the parsed JSON `d`, printed.
field() { "$PY" -c 'import json, sys; d = json.loads(sys.argv[1]); print(eval(sys.argv[2]))' "$1" "$2" 2>/dev/null; }
answer() { field "$(cat "$WORK/answer.json" 2>/dev/null)" "$1"; }

# dead_letters FUNCTION: "QUEUE ATTEMPTS PAYLOAD" for each of the function's dead letters,
# from the Nimbus CLI (dead-letter queues are the simulator's own feature).
dead_letters() {
    timeout 30 "$BIN/nimbus" dead-letters "$1" --project "$PROJECT" 2>&1 |
        awk '/^[^ ].* after [0-9]+ attempts$/ {queue = $2; attempts = $(NF - 1)}
             /^  payload: / {sub(/^  payload: /, ""); print queue, attempts, $0}'
}
# runs_of RUNS_FILE ID: how many times the handler ran for the event with that id.
runs_of() { if [ -e "$1" ]; then grep -c "^$2 " "$1"; else echo 0; fi; }

# --- the checks ------------------------------------------------------------------------

check_create_and_get() {
    create_function alpha "$WORK/code/v1.zip"
    create_function beta "$WORK/code/v1.zip" --timeout 10 --memory-size 256 \
        --environment 'Variables={GREETING=hello,RUNS_FILE='"$WORK/beta-runs.txt"'}' \
        --tags team=conformance
    expect_call "get-function-configuration echoes settings" "10 256 hello" \
        lambda get-function-configuration --function-name beta \
        --query '[Timeout,MemorySize,Environment.Variables.GREETING]' --output text
    call lambda get-function --function-name alpha --query Code.Location --output text
    local sha
    sha=$("$PY" -c 'import base64, hashlib, sys, urllib.request
data = urllib.request.urlopen(sys.argv[1], timeout=10).read()
print(base64.b64encode(hashlib.sha256(data).digest()).decode())' "$OUT" 2>&1)
    expect "get-function Code.Location serves the package" \
        "sha256 of the download is '$sha', the zip's is '$(sha256_base64 "$WORK/code/v1.zip")'" \
        [ "$sha" = "$(sha256_base64 "$WORK/code/v1.zip")" ]
}

check_invoke_tail() {
    invoke alpha '{"n": 1}' --log-type Tail
    local version
    version=$(answer 'd["version"], d["echo"]["n"]')
    if [ "$RC" -ne 0 ] || [ "$version" != "('v1', 1)" ]; then
        fail "invoke returns the handler's payload" "exit $RC: $(oneline "$ERR") answer $(cat "$WORK/answer.json" 2>/dev/null)"
    else
        ok "invoke returns the handler's payload"
    fi
    expect_same "invoke reports StatusCode 200 and ExecutedVersion \$LATEST" "200 \$LATEST" \
        "$(field "$OUT" '"%s %s" % (d["StatusCode"], d["ExecutedVersion"])')"
    local log problems
    log=$(field "$OUT" '__import__("base64").b64decode(d["LogResult"]).decode()')
    problems=$("$PY" - "$log" <<'EOF'
import re, sys
lines = sys.argv[1].splitlines()
start = re.fullmatch(r"START RequestId: (\S+) Version: \$LATEST", lines[0] if lines else "")
problems = []
if not start:
    problems.append("first line is not START RequestId: … Version: $LATEST")
else:
    rid = start.group(1)
    if not any(l.startswith("conformance-line from alpha") for l in lines):
        problems.append("the handler's printed line is missing")
    if "END RequestId: " + rid not in lines:
        problems.append("no END line for " + rid)
    report = [l for l in lines if l.startswith("REPORT RequestId: " + rid)]
    if not report or not all(k in report[0] for k in ("Duration:", "Billed Duration:", "Memory Size: 128 MB", "Max Memory Used:")):
        problems.append("no complete REPORT line")
    elif lines[-1] != report[0]:
        problems.append("REPORT is not the last line")
print("; ".join(problems) + " in " + repr(sys.argv[1][:300]) if problems else "")
EOF
)
    expect "invoke --log-type Tail returns START/log/END/REPORT" "$problems" [ -z "$problems" ]
}

check_function_error() {
    invoke beta '{"id": "sync-failure", "fail": true}'
    expect_same "a raising handler gives FunctionError Unhandled" "0 200 Unhandled" \
        "$RC $(field "$OUT" '"%s %s" % (d["StatusCode"], d.get("FunctionError"))')"
    expect_same "the error payload names the error" "RuntimeError conformance failure sync-failure" \
        "$(answer 'd["errorType"] + " " + d["errorMessage"]')"
}

check_versions() {
    expect_call "publish-version makes version 1" "1" \
        lambda publish-version --function-name alpha --query Version --output text
    expect_call "update-function-code --publish makes version 2 with the new code" \
        "2 $(sha256_base64 "$WORK/code/v2.zip")" \
        lambda update-function-code --function-name alpha --zip-file "fileb://$WORK/code/v2.zip" \
        --publish --query '[Version,CodeSha256]' --output text
    invoke alpha '{}'
    expect_same "invoke after update-function-code runs the new code" "v2" "$(answer 'd["version"]')"
    invoke alpha '{}' --qualifier 1
    expect_same "invoke --qualifier 1 runs version 1" "v1 1" \
        "$(answer 'd["version"]') $(field "$OUT" 'd["ExecutedVersion"]')"
    expect_call "publish-version with nothing changed returns the last version" "2" \
        lambda publish-version --function-name alpha --query Version --output text
    expect_call "list-versions-by-function lists \$LATEST, 1 and 2" "\$LATEST 1 2" \
        lambda list-versions-by-function --function-name alpha --query 'Versions[].Version' \
        --output text
}

check_weighted_alias() {
    expect_call "create-alias with a 50% routing config" "1 0.5" \
        lambda create-alias --function-name alpha --name live --function-version 1 \
        --routing-config 'AdditionalVersionWeights={2=0.5}' \
        --query '[FunctionVersion,RoutingConfig.AdditionalVersionWeights."2"]' --output text
    expect_call "list-aliases lists the alias and its version" "live 1" \
        lambda list-aliases --function-name alpha --query 'Aliases[].[Name,FunctionVersion]' \
        --output text
    # Invoke until both versions have answered (at most 40 times: 2 x 0.5^40 to miss one).
    local seen="" wrong="" i executed version
    for i in $(seq 1 40); do
        invoke alpha '{}' --qualifier live
        executed=$(field "$OUT" 'd["ExecutedVersion"]')
        version=$(answer 'd["version"]')
        [ "$executed:$version" = "1:v1" ] || [ "$executed:$version" = "2:v2" ] ||
            wrong="$wrong invoke $i: ExecutedVersion '$executed' ran code '$version' ($(oneline "$ERR"));"
        contains " $seen " " $executed " || seen="$seen $executed"
        [ "$(tr ' ' '\n' <<<"$seen" | sort | xargs)" = "1 2" ] && break
    done
    expect_same "weighted alias runs both versions (ExecutedVersion 1 and 2)" \
        "1 2" "$(tr ' ' '\n' <<<"$seen" | sort | xargs)"
    expect "each ExecutedVersion ran that version's code" "$wrong" [ -z "$wrong" ]
    expect_call "get-function-configuration --qualifier live names the alias" \
        "arn:aws:lambda:$AWS_DEFAULT_REGION:000000000000:function:alpha:live 1" \
        lambda get-function-configuration --function-name alpha --qualifier live \
        --query '[FunctionArn,Version]' --output text
}

check_list_pagination() {
    call lambda list-functions --page-size 1 --query 'Functions[].FunctionName' --output text
    expect_same "list-functions --page-size 1 follows NextMarker to every function" \
        "alpha beta" "$(tr '\t' '\n' <<<"$OUT" | sort | xargs)$(oneline "$ERR")"
    call lambda list-functions --max-items 1 --page-size 1 \
        --query '{names: Functions[].FunctionName, token: NextToken}' --output json
    local first token
    first=$(field "$OUT" '" ".join(d["names"])')
    token=$(field "$OUT" 'd["token"]')
    call lambda list-functions --max-items 1 --page-size 1 --starting-token "$token" \
        --query '{names: Functions[].FunctionName, token: NextToken}' --output json
    expect_same "list-functions --max-items 1 pages with --starting-token" "alpha|beta|None" \
        "$first|$(field "$OUT" '" ".join(d["names"])')|$(field "$OUT" 'd["token"]')"
}

check_tags() {
    local arn=arn:aws:lambda:$AWS_DEFAULT_REGION:000000000000:function:beta
    call lambda tag-resource --resource "$arn" --tags stage=test,owner=ci
    call lambda untag-resource --resource "$arn" --tag-keys owner
    expect_call "list-tags: creation's tags, tag-resource's added, untag-resource's removed" \
        "conformance test None" \
        lambda list-tags --resource "$arn" --query '[Tags.team,Tags.stage,Tags.owner]' --output text
}

check_configuration_update() {
    expect_call "update-function-configuration changes the environment" "hola" \
        lambda update-function-configuration --function-name beta \
        --environment 'Variables={GREETING=hola,RUNS_FILE='"$WORK/beta-runs.txt"'}' \
        --query Environment.Variables.GREETING --output text
    invoke beta '{}'
    expect_same "the next invoke sees the new environment" "hola" "$(answer 'd["greeting"]')"
}

check_concurrency() {
    expect_call "put-function-concurrency 0" "0" lambda put-function-concurrency \
        --function-name beta --reserved-concurrent-executions 0 \
        --query ReservedConcurrentExecutions --output text
    expect_call "get-function-concurrency reads it back" "0" lambda get-function-concurrency \
        --function-name beta --query ReservedConcurrentExecutions --output text
    # One attempt: the CLI would otherwise retry the throttle with back-off.
    AWS_MAX_ATTEMPTS=1 expect_error "invoke with concurrency 0 is throttled" \
        TooManyRequestsException lambda invoke --function-name beta "$WORK/answer.json"
    # Lambda retries throttled asynchronous events for up to 6 hours: throttles do not
    # spend the two retries that function errors get, so no dead letter comes of them.
    call lambda invoke --function-name beta --invocation-type Event \
        --cli-binary-format raw-in-base64-out --payload '{"id": "throttled-event"}' "$WORK/answer.json"
    sleep 1.5 # three attempts at a 0.2 s retry delay would all be over
    local letter
    letter=$(dead_letters beta | grep throttled-event)
    expect "a throttled async event stays queued (no dead letter after 3 throttles)" \
        "dead-lettered while throttled: $(oneline "$letter")" [ -z "$letter" ]
    call lambda delete-function-concurrency --function-name beta
    invoke beta '{}'
    expect_same "delete-function-concurrency lets invokes run again" "0 200" \
        "$RC $(field "$OUT" 'd["StatusCode"]')"
    local i
    for i in $(seq 1 25); do # up to 5 s
        [ "$(runs_of "$WORK/beta-runs.txt" throttled-event)" = 0 ] || break
        sleep 0.2
    done
    expect_same "the throttled async event runs once concurrency allows it" 1 \
        "$(runs_of "$WORK/beta-runs.txt" throttled-event)"
}

check_logs() {
    local i
    for i in $(seq 1 15); do # lines are stored a moment after they come
        [ "$SECONDS" -lt "$BUDGET" ] || break
        call logs filter-log-events --log-group-name /aws/lambda/alpha \
            --filter-pattern '"conformance-line"' --query 'events[].message' --output text
        contains "$OUT" 'conformance-line from alpha {"n": 1}' && break
        sleep 0.2
    done
    expect "logs filter-log-events returns the function's printed line" \
        "exit $RC: $(oneline "$OUT$ERR")" contains "$OUT" 'conformance-line from alpha {"n": 1}'
    call logs tail /aws/lambda/alpha --since 1h
    expect "logs tail shows the function's log" "exit $RC: $(oneline "$OUT$ERR")" \
        contains "$OUT" 'conformance-line from alpha {"n": 1}'
    expect_error "filter-log-events on a missing group" ResourceNotFoundException \
        logs filter-log-events --log-group-name /aws/lambda/no-such-function
}

check_auth() {
    AWS_SECRET_ACCESS_KEY=wrongwrongwrongwrongwrongwrongwrongwrong call_debug lambda list-functions
    expect "a wrong secret is refused (HTTP 403, exit 254, InvalidSignatureException)" \
        "HTTP $STATUS, exit $RC: $(oneline "$(tail -3 <<<"$ERR")")" \
        refused InvalidSignatureException "signature we calculated does not match"
    AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE call_debug lambda list-functions
    expect "an unknown access key is refused (HTTP 403, UnrecognizedClientException)" \
        "HTTP $STATUS, exit $RC: $(oneline "$(tail -3 <<<"$ERR")")" \
        refused UnrecognizedClientException "security token included in the request is invalid"
}
# refused CODE TEXT: the last call_debug was refused with HTTP 403, exit 254, the error CODE
# and a message saying TEXT.
refused() {
    [ "$STATUS" = 403 ] && [ "$RC" -eq 254 ] && contains "$ERR" "($1)" && contains "$ERR" "$2"
}

check_bad_packages() {
    expect_error "a zip with a ../evil.py entry is refused" InvalidParameterValueException \
        lambda create-function --function-name evil --runtime python3.11 --handler app.main \
        --role "$ROLE" --zip-file "fileb://$WORK/code/evil.zip"
    expect_error "the refused function was not created" ResourceNotFoundException \
        lambda get-function --function-name evil
    local escaped
    escaped=$(find "$WORK" -name evil.py)
    expect "nothing was unpacked outside the package" "found $escaped" [ -z "$escaped" ]
    expect_error "a zip with damaged data is refused" InvalidParameterValueException \
        lambda update-function-code --function-name alpha --zip-file "fileb://$WORK/code/corrupt.zip"
    expect_error "an unknown runtime is refused" ValidationException \
        lambda create-function --function-name cobol --runtime cobol85 --handler app.main \
        --role "$ROLE" --zip-file "fileb://$WORK/code/v1.zip"
}

# Asynchronous invocations: a failing event runs 3 times (retries after 0.2 s and 0.4 s)
# and then lands in the DeadLetterConfig's queue (or FUNCTION-dlq without one); a
# succeeding one runs once and leaves no dead letter.
check_async() {
    create_function worker "$WORK/code/v1.zip" --dead-letter-config "TargetArn=$DLQ_ARN" \
        --environment "Variables={RUNS_FILE=$WORK/worker-runs.txt}"
    local id
    for id in async-failure async-success; do
        local should_fail=false
        [ "$id" = async-failure ] && should_fail=true
        expect_call "invoke --invocation-type Event ($id) answers 202" "202" \
            lambda invoke --function-name worker --invocation-type Event \
            --cli-binary-format raw-in-base64-out \
            --payload "{\"id\": \"$id\", \"fail\": $should_fail}" \
            --query StatusCode --output text "$WORK/answer.json"
    done
    expect_call "invoke --invocation-type Event without a DeadLetterConfig answers 202" "202" \
        lambda invoke --function-name beta --invocation-type Event \
        --cli-binary-format raw-in-base64-out --payload '{"id": "default-queue", "fail": true}' \
        --query StatusCode --output text "$WORK/answer.json"
    local letters="" i
    for i in $(seq 1 50); do # up to 10 s
        [ "$SECONDS" -lt "$BUDGET" ] || break
        letters=$(dead_letters worker)
        contains "$letters" async-failure && contains "$(dead_letters beta)" default-queue && break
        sleep 0.2
    done
    sleep 1 # a fourth run, if one were coming, would come by now
    letters=$(dead_letters worker)
    expect_same "a failing async event runs exactly 3 times" 3 \
        "$(runs_of "$WORK/worker-runs.txt" async-failure)"
    expect_same "then exactly one dead letter, in the DeadLetterConfig's queue" \
        'my-dlq 3 {"id": "async-failure", "fail": true}' "$letters"
    local gaps
    gaps=$(awk '$1 == "async-failure" {if (last) {printf "%s%.2f", sep, $2 - last; sep = " "}; last = $2}' \
        "$WORK/worker-runs.txt" 2>/dev/null)
    echo "# seconds between the failing event's runs: $gaps"
    expect "the retries wait 0.2 s, then twice that" "gaps between runs: $gaps s" \
        awk -v g="$gaps" 'BEGIN {split(g, x, " "); exit !(x[1] >= 0.19 && x[2] >= 0.39 && x[2] > x[1])}'
    expect_same "without a DeadLetterConfig the queue is FUNCTION-dlq" \
        'beta-dlq 3 {"id": "default-queue", "fail": true}' "$(dead_letters beta | grep default-queue)"
    expect_same "a succeeding async event runs exactly once" 1 \
        "$(runs_of "$WORK/worker-runs.txt" async-success)"
    expect "a succeeding async event leaves no dead letter" "$(oneline "$letters")" \
        not contains "$letters" async-success
}

check_event_invoke_config() {
    expect_error "put-function-event-invoke-config refuses 5 retries" ValidationException \
        lambda put-function-event-invoke-config --function-name worker --maximum-retry-attempts 5
    # (The CLI itself refuses an age under 60 s; over the maximum is ours to refuse.)
    expect_error "put-function-event-invoke-config refuses an age over 6 hours" ValidationException \
        lambda put-function-event-invoke-config --function-name worker \
        --maximum-event-age-in-seconds 30000
    expect_call "put-function-event-invoke-config: no retries" "0" \
        lambda put-function-event-invoke-config --function-name worker --maximum-retry-attempts 0 \
        --query MaximumRetryAttempts --output text
    expect_call "update-function-event-invoke-config keeps what it does not name" "0 600" \
        lambda update-function-event-invoke-config --function-name worker \
        --maximum-event-age-in-seconds 600 \
        --query '[MaximumRetryAttempts,MaximumEventAgeInSeconds]' --output text
    expect_call "get-function-event-invoke-config" "0 600" \
        lambda get-function-event-invoke-config --function-name worker \
        --query '[MaximumRetryAttempts,MaximumEventAgeInSeconds]' --output text
    expect_call "list-function-event-invoke-configs" "1" \
        lambda list-function-event-invoke-configs --function-name worker \
        --query 'length(FunctionEventInvokeConfigs)' --output text
    expect_call "invoke --invocation-type Event (no-retry) answers 202" "202" \
        lambda invoke --function-name worker --invocation-type Event \
        --cli-binary-format raw-in-base64-out --payload '{"id": "no-retry", "fail": true}' \
        --query StatusCode --output text "$WORK/answer.json"
    local i
    for i in $(seq 1 50); do # up to 10 s
        [ "$SECONDS" -lt "$BUDGET" ] || break
        contains "$(dead_letters worker)" no-retry && break
        sleep 0.2
    done
    sleep 1
    expect_same "with MaximumRetryAttempts 0 a failing event runs once" 1 \
        "$(runs_of "$WORK/worker-runs.txt" no-retry)"
    expect_same "then it is a dead letter after 1 attempt" \
        'my-dlq 1 {"id": "no-retry", "fail": true}' "$(dead_letters worker | grep no-retry)"
    expect "nimbus dead-letters says why" "$(oneline "$(timeout 30 "$BIN/nimbus" dead-letters worker --project "$PROJECT" 2>&1)")" \
        contains "$(timeout 30 "$BIN/nimbus" dead-letters worker --project "$PROJECT" 2>&1)" \
        "RetriesExhausted after 1 attempt(s) (MaximumRetryAttempts 0)"
    expect_call "delete-function-event-invoke-config" "" \
        lambda delete-function-event-invoke-config --function-name worker
    expect_error "get-function-event-invoke-config after delete" ResourceNotFoundException \
        lambda get-function-event-invoke-config --function-name worker
}

check_delete() {
    expect_call "delete-function" "" lambda delete-function --function-name beta
    call_debug lambda get-function --function-name beta
    expect_same "get-function on a deleted function: exit 254, HTTP 404, ResourceNotFoundException" \
        "254 404 (ResourceNotFoundException)" \
        "$RC $STATUS $(grep -o '(ResourceNotFoundException)' <<<"$ERR" | tail -1)"
}

# Layers: published, listed, found by name and by ARN; a function that lists a layer version
# imports its python/ folder, and keeps running from it after the version is deleted.
check_layers() {
    local layer_arn=arn:aws:lambda:$AWS_DEFAULT_REGION:000000000000:layer:shared
    # Before its layer version is published, a manifest function that lists it cannot import
    # it (and the log says which layer it runs without); once published, it can (below).
    invoke conf-dev-fromlayer '{}'
    expect_same "a manifest function whose layer version is not published yet runs without it" \
        "0 Runtime.ImportModuleError" "$RC $(answer 'd["errorType"]')$(oneline "$ERR")"
    expect "the log names the layer it runs without" "$(tail -5 "$WORK/sim.log")" \
        grep -q "fromlayer runs without layer $layer_arn:2" "$WORK/sim.log"
    expect_call "publish-layer-version makes version 1" \
        "1 $layer_arn:1 $(sha256_base64 "$WORK/code/layer.zip")" \
        lambda publish-layer-version --layer-name shared --zip-file "fileb://$WORK/code/layer.zip" \
        --compatible-runtimes python3.12 --description "shared code" \
        --query '[Version,LayerVersionArn,Content.CodeSha256]' --output text
    expect_call "publish-layer-version again makes version 2" "2" \
        lambda publish-layer-version --layer-name shared --zip-file "fileb://$WORK/code/layer.zip" \
        --query Version --output text
    # A function of the manifest that lists the version by its ARN imports from it too.
    invoke conf-dev-fromlayer '{}'
    expect_same "a manifest function imports from the layer version its ARN names" \
        "0 from the shared layer" "$RC $(answer 'd["layer"]')$(oneline "$ERR")"
    expect_call "list-layers lists the layer with its latest version" "shared $layer_arn 2" \
        lambda list-layers --query 'Layers[].[LayerName,LayerArn,LatestMatchingVersion.Version]' \
        --output text
    expect_call "list-layers --compatible-runtime python3.12 finds the version for it" "shared 1" \
        lambda list-layers --compatible-runtime python3.12 \
        --query 'Layers[].[LayerName,LatestMatchingVersion.Version]' --output text
    expect_call "list-layer-versions lists them newest first" "2 1" \
        lambda list-layer-versions --layer-name shared --query 'LayerVersions[].Version' \
        --output text
    expect_call "get-layer-version" "$layer_arn:1 shared code python3.12" \
        lambda get-layer-version --layer-name shared --version-number 1 \
        --query '[LayerVersionArn,Description,CompatibleRuntimes[0]]' --output text
    expect_call "get-layer-version-by-arn" "1 $(stat -c %s "$WORK/code/layer.zip")" \
        lambda get-layer-version-by-arn --arn "$layer_arn:1" \
        --query '[Version,Content.CodeSize]' --output text
    call lambda get-layer-version --layer-name shared --version-number 1 \
        --query Content.Location --output text
    local sha
    sha=$("$PY" -c 'import base64, hashlib, sys, urllib.request
data = urllib.request.urlopen(sys.argv[1], timeout=10).read()
print(base64.b64encode(hashlib.sha256(data).digest()).decode())' "$OUT" 2>&1)
    expect_same "get-layer-version Content.Location serves the package" \
        "$(sha256_base64 "$WORK/code/layer.zip")" "$sha"
    expect_call "create-function --layers lists the layer version" "layered $layer_arn:1" \
        lambda create-function --function-name layered --runtime python3.12 --handler app.main \
        --role "$ROLE" --zip-file "fileb://$WORK/code/layered.zip" --layers "$layer_arn:1" \
        --query '[FunctionName,Layers[0].Arn]' --output text
    invoke layered '{}'
    expect_same "the function imports a module of its layer" "0 from the shared layer" \
        "$RC $(answer 'd["layer"]')$(oneline "$ERR")"
    expect_error "create-function with a layer version that is not published" \
        InvalidParameterValueException \
        lambda create-function --function-name unlayered --runtime python3.12 --handler app.main \
        --role "$ROLE" --zip-file "fileb://$WORK/code/layered.zip" --layers "$layer_arn:7"
    expect_call "delete-layer-version (the layer named by its ARN)" "" \
        lambda delete-layer-version --layer-name "$layer_arn" --version-number 1
    expect_error "get-layer-version after delete-layer-version" ResourceNotFoundException \
        lambda get-layer-version --layer-name shared --version-number 1
    expect_call "list-layer-versions after delete-layer-version" "2" \
        lambda list-layer-versions --layer-name shared --query 'LayerVersions[].Version' \
        --output text
    invoke layered '{}'
    expect_same "the function still runs with its deleted layer version" \
        "0 from the shared layer" "$RC $(answer 'd["layer"]')$(oneline "$ERR")"
}

# The same endpoint answers SQS (query protocol, as this CLI speaks it) and S3 (path style:
# the endpoint is an IP address); `aws s3 cp` of 20 MB goes in three 8 MB parts.
check_sqs() {
    call sqs create-queue --queue-name cli-queue --query QueueUrl --output text
    expect_same "sqs create-queue returns the queue's URL" "$ENDPOINT/000000000000/cli-queue" \
        "$OUT$(oneline "$ERR")"
    local url=$OUT
    # (The CLI checks the MD5s of the body and the attributes itself.)
    local md5
    md5=$(printf 'hello from the cli' | md5sum | cut -d' ' -f1)
    expect_call "sqs send-message with an attribute" "$md5" \
        sqs send-message --queue-url "$url" --message-body 'hello from the cli' \
        --message-attributes '{"via": {"DataType": "String", "StringValue": "cli"}}' \
        --query MD5OfMessageBody --output text
    call sqs receive-message --queue-url "$url" --wait-time-seconds 5 \
        --message-attribute-names All \
        --query 'Messages[0].[Body,MessageAttributes.via.StringValue,ReceiptHandle]' --output text
    local received=${OUT//$'\t'/ }
    expect_same "sqs receive-message gets the body and the attribute" "hello from the cli cli" \
        "${received% *}$(oneline "$ERR")"
    expect_call "sqs delete-message" "" \
        sqs delete-message --queue-url "$url" --receipt-handle "${received##* }"
    expect_call "after delete-message the queue is empty" "0 0" \
        sqs get-queue-attributes --queue-url "$url" \
        --attribute-names ApproximateNumberOfMessages ApproximateNumberOfMessagesNotVisible \
        --query 'Attributes.[ApproximateNumberOfMessages,ApproximateNumberOfMessagesNotVisible]' \
        --output text
}

check_s3() {
    expect_call "s3 mb" "make_bucket: cli-bucket" s3 mb s3://cli-bucket
    head -c $((20 * 1024 * 1024)) /dev/urandom >"$WORK/big.bin"
    expect_call "s3 cp of a 20 MB file" "" \
        s3 cp "$WORK/big.bin" s3://cli-bucket/big.bin --only-show-errors
    call s3api head-object --bucket cli-bucket --key big.bin --query '[ContentLength,ETag]' \
        --output text
    local three_parts=no
    [[ ${OUT//$'\t'/ } == '20971520 "'*'-3"' ]] && three_parts=yes
    expect "… it is 20 MB and went in three parts (its ETag ends with -3)" \
        "exit $RC: $(oneline "$OUT$ERR")" [ "$three_parts" = yes ]
    call s3 cp s3://cli-bucket/big.bin "$WORK/big.back" --only-show-errors
    expect "s3 cp back gives the same bytes (cmp)" "exit $RC: $(oneline "$ERR")" \
        cmp -s "$WORK/big.bin" "$WORK/big.back"
    rm -f "$WORK/big.back"
    call s3 ls
    expect "s3 ls lists the bucket" "exit $RC: $(oneline "$OUT$ERR")" contains "$OUT" " cli-bucket"
    call s3 ls s3://cli-bucket/
    expect "s3 ls s3://cli-bucket/ lists the object and its size" \
        "exit $RC: $(oneline "$OUT$ERR")" contains "$OUT" " 20971520 big.bin"
    expect_call "s3 rm" "delete: s3://cli-bucket/big.bin" s3 rm s3://cli-bucket/big.bin
    # (Paginated, the CLI drops KeyCount from the merged pages.)
    expect_call "after s3 rm the bucket is empty" "0" \
        s3api list-objects-v2 --bucket cli-bucket --no-paginate --query KeyCount --output text
}

# instances_left: the processes still working in the project (function instances run
# from the unpacked packages under .nimbus/code).
instances_left() {
    local proc
    for proc in /proc/[0-9]*; do
        case $(readlink "$proc/cwd" 2>/dev/null) in "$WORK"/*) echo "${proc#/proc/}" ;; esac
    done
}

check_shutdown() {
    if simulator_running; then
        ok "the simulator ran to the end"
    else
        wait "$SIM_PID"
        fail "the simulator ran to the end" "it exited early with status $?"
        SIM_PID=""
    fi
    expect "the simulator stops within 10 s of SIGTERM" "it had to be killed" stop_simulator
    expect "… and removes its sim.json" "$PROJECT/.nimbus/sim.json is left" \
        [ ! -e "$PROJECT/.nimbus/sim.json" ]
    local left i
    for i in $(seq 1 20); do
        left=$(instances_left)
        [ -z "$left" ] && break
        sleep 0.1
    done
    expect "… and no function instance outlives it" "processes left: $(oneline "$left")" \
        [ -z "$left" ]
}

# --- main ------------------------------------------------------------------------------

write_project
write_zip "$WORK/code/v1.zip" v1
write_zip "$WORK/code/v2.zip" v2
write_bad_zips
write_layer_zips
start_simulator
echo "# nimbus-sim at $ENDPOINT (project $PROJECT), aws-cli $("$PY" -c 'import awscli; print(awscli.__version__)')"

# Once the time is spent or the simulator has gone, the remaining groups are one failure.
skipped=""
for group in check_create_and_get check_list_pagination check_invoke_tail check_function_error \
    check_versions check_weighted_alias check_tags check_configuration_update check_concurrency \
    check_auth check_bad_packages check_async check_event_invoke_config check_logs check_delete \
    check_layers check_sqs check_s3; do
    if [ "$SECONDS" -lt "$BUDGET" ] && simulator_running; then "$group"; else skipped="$skipped $group"; fi
done
if [ -n "$skipped" ]; then
    why="the ${BUDGET}s budget (CONFORMANCE_BUDGET) is spent"
    simulator_running || why="the simulator stopped"
    fail "every check ran" "$why; not run:$skipped"
fi
check_shutdown

echo "# $FAILED failed, ${SECONDS}s"
[ "$FAILED" -eq 0 ]
