# SPDX-License-Identifier: MIT
# bash completion for smtpdoctor
_smtpdoctor() {
    local cur prev words cword
    _init_completion || return
    local opts="--json --format --dns-server --ca-file --timeout --insecure --user --password-file
        --password-stdin --oauth2-token-file --oauth2 --oauth2-client-id --oauth2-client-secret-file --auth-mech --send-to --from --reply-to --bcc
        --trust-discovered --allow-plaintext-auth --host --port --security --ispdb-url --no-probe
        --incoming --batch --jobs --lang --verbose --quiet --help --version"
    case $prev in
        --format) COMPREPLY=($(compgen -W "form msmtp thunderbird mutt git postfix env json" -- "$cur")); return ;;
        --security) COMPREPLY=($(compgen -W "tls starttls plain" -- "$cur")); return ;;
        --auth-mech) COMPREPLY=($(compgen -W "PLAIN LOGIN CRAM-MD5 XOAUTH2 OAUTHBEARER" -- "$cur")); return ;;
        --ca-file|--password-file|--oauth2-token-file|--oauth2-client-secret-file|--batch) _filedir; return ;;
        --port) COMPREPLY=($(compgen -W "465 587 25" -- "$cur")); return ;;
        --lang) COMPREPLY=($(compgen -W "C bn de es fr pt_BR ru sq sw ur" -- "$cur")); return ;;
        presets) COMPREPLY=($(compgen -W "list show" -- "$cur")); return ;;
    esac
    if [[ $cword -eq 1 && $cur != -* ]]; then
        COMPREPLY=($(compgen -W "discover diag presets" -- "$cur"))
    else
        COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    fi
}
complete -F _smtpdoctor smtpdoctor
