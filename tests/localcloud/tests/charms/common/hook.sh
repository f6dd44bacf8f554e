#!/bin/sh
# Shared hook of the toy charms (sh, so each hook costs few processes).
# Records one JSON line per hook in <agent dir>/record.jsonl: hook name,
# relation env, and where it matters relation-list, the remote unit's data,
# leadership.  Then acts on config: fail = comma list of hooks that exit 3
# (after any relation-set); say = "k=v ..." relation-set on every -joined;
# app-say = relation-set --app by the leader on -joined; leader-say = "k=v ..."
# leader-set by the leader on leader-elected/config-changed.
set -e
hook=$(basename "$0")
rec="{\"unit\": \"$JUJU_UNIT_NAME\", \"hook\": \"$hook\", \"principal\": \"$JUJU_PRINCIPAL_UNIT\""
rec="$rec, \"https_proxy\": \"$JUJU_CHARM_HTTPS_PROXY\""
if [ -n "${JUJU_RELATION_ID+x}" ]; then
    rec="$rec, \"rid\": \"$JUJU_RELATION_ID\", \"remote_app\": \"$JUJU_REMOTE_APP\""
    [ -n "${JUJU_REMOTE_UNIT+x}" ] && rec="$rec, \"remote\": \"$JUJU_REMOTE_UNIT\""
    [ -n "${JUJU_DEPARTING_UNIT+x}" ] && rec="$rec, \"departing\": \"$JUJU_DEPARTING_UNIT\""
    case "$hook" in
    *-created) ;;
    *) rec="$rec, \"members\": $(relation-list --format=json)" ;;
    esac
    case "$hook" in
    *-changed|*-departed)
        if [ -n "$JUJU_REMOTE_UNIT" ]; then
            rec="$rec, \"data\": $(relation-get --format=json -)"
        else
            rec="$rec, \"app_data\": $(relation-get --format=json --app -)"
        fi ;;
    esac
fi
case "$hook" in
leader-*|*-joined) leader=$(is-leader --format=json)
    rec="$rec, \"leader\": $leader" ;;
esac
case "$hook" in
leader-settings-changed) rec="$rec, \"leader_settings\": $(leader-get --format=json)" ;;
esac
echo "$rec}" >> "$CHARM_DIR/../record.jsonl"

cfg() { config-get "$1"; }
case "$hook" in
*-relation-joined)
    say=$(cfg say); [ -z "$say" ] || relation-set $say
    if [ "$leader" = true ]; then
        appsay=$(cfg app-say); [ -z "$appsay" ] || relation-set --app $appsay
    fi ;;
leader-elected|config-changed)
    if [ "$(is-leader)" = True ]; then
        ls=$(cfg leader-say); [ -z "$ls" ] || leader-set $ls
    fi ;;
start)
    status-set active ready
    juju-log -l INFO "started $JUJU_UNIT_NAME" ;;
esac
case ",$(cfg fail)," in
*",$hook,"*) echo "failing on purpose in $hook"; exit 3 ;;
esac
