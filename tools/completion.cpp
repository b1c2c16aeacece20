// kafka-actors completion bash: the completion script. It lists the commands, actions and
// options of the parsers in tools/; tests/cli/args_test.sh checks that it completes them.

#include <iostream>

#include "kafka_actors/runtime/printable.hpp"
#include "tools/cli.hpp"

namespace kafka_actors::cli {

namespace {

const char* bash_script = R"(# bash completion for kafka-actors: source <(kafka-actors completion bash)
_kafka_actors() {
  local cur prev cmd action
  cur=${COMP_WORDS[COMP_CWORD]:-}
  prev=${COMP_WORDS[COMP_CWORD-1]:-}
  cmd=${COMP_WORDS[1]:-}
  action=${COMP_WORDS[2]:-}
  case $prev in
    --config|-c) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  if [[ $COMP_CWORD -eq 1 ]]; then
    COMPREPLY=($(compgen -W "quickstart produce consume health topics groups migrate node completion --help" -- "$cur"))
    return
  fi
  local common="-b --bootstrap --config --json -h --help"
  case $cmd in
    quickstart) COMPREPLY=($(compgen -W "-b --bootstrap -t -n -p -G --config -h --help" -- "$cur")) ;;
    produce) COMPREPLY=($(compgen -W "-b --bootstrap -t -K -H -p --config -d --debug -h --help" -- "$cur")) ;;
    consume) COMPREPLY=($(compgen -W "-b --bootstrap -t -G -K -c -e --timeout --config -d --debug -h --help" -- "$cur")) ;;
    health) COMPREPLY=($(compgen -W "--url --live --timeout --config -h --help" -- "$cur")) ;;
    topics)
      if [[ $COMP_CWORD -eq 2 ]]; then
        COMPREPLY=($(compgen -W "list describe create delete add-partitions alter delete-records plan apply --help" -- "$cur"))
      elif [[ $action == plan || $action == apply ]]; then
        COMPREPLY=($(compgen -f -W "$common --check" -- "$cur"))
      else
        COMPREPLY=($(compgen -W "$common -p -r -X --before --internal" -- "$cur"))
      fi ;;
    groups)
      if [[ $COMP_CWORD -eq 2 ]]; then
        COMPREPLY=($(compgen -W "list describe lag reset --help" -- "$cur"))
      else
        COMPREPLY=($(compgen -W "$common -t --to-earliest --to-latest --to-offset --to-timestamp --shift-by --execute" -- "$cur"))
      fi ;;
    migrate)
      if [[ $COMP_CWORD -eq 2 ]]; then
        COMPREPLY=($(compgen -W "plan apply status --help" -- "$cur"))
      else
        COMPREPLY=($(compgen -d -W "$common --check" -- "$cur"))
      fi ;;
    node) COMPREPLY=($(compgen -W "--port --bind -b --bootstrap --config -h --help" -- "$cur")) ;;
    completion) COMPREPLY=($(compgen -W "bash" -- "$cur")) ;;
  esac
}
complete -F _kafka_actors kafka-actors
)";

} // namespace

int completion(const std::vector<std::string>& argv) {
  args a{argv, {{"-h"}, {}, {}, {"SHELL"}}};
  if (a.has("-h")) {
    std::cout << "usage: kafka-actors completion bash\n"
                 "prints the bash completion script: source <(kafka-actors completion bash)\n";
    return 0;
  }
  if (a.positional().empty())
    throw usage_error("missing SHELL (bash)");
  if (a.positional().front() != "bash")
    throw usage_error("no completion for '" + printable(a.positional().front())
                      + "' (only bash)");
  std::cout << bash_script;
  return 0;
}

} // namespace kafka_actors::cli
