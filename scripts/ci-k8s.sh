#!/usr/bin/env bash
# The Kubernetes templates against the Kubernetes schemas (kubernetes-validate from PyPI, strict:
# an unknown or misspelt field fails), and against pilotzone: the shard count the pods read equals
# the Job's completions, and every file the pods name is in this repository.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/ci-k8s/venv
if [ ! -x "$venv/bin/kubernetes-validate" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q kubernetes-validate==1.37.0
fi
k8s_version=1.33.0
"$venv/bin/kubernetes-validate" --strict -k "$k8s_version" deploy/k8s/*.yaml

# The validator must refuse what a typo makes: otherwise passing above proves nothing.
broken=target/ci-k8s/broken.yaml
sed 's/completionMode: Indexed/completionMod: Indexed/' deploy/k8s/study-job.yaml >"$broken"
if "$venv/bin/kubernetes-validate" --strict --quiet -k "$k8s_version" "$broken" >/dev/null 2>&1; then
  echo "kubernetes-validate accepted a misspelt field" >&2
  exit 1
fi

"$venv/bin/python" - deploy/k8s/*.yaml <<'PY'
import os, sys, yaml
for path in sys.argv[1:]:
    for doc in yaml.safe_load_all(open(path)):
        if not doc or doc.get("kind") != "Job":
            continue
        spec = doc["spec"]
        for c in spec["template"]["spec"]["containers"]:
            args = c.get("args", [])
            if spec.get("completionMode") == "Indexed":
                env = {e["name"]: e.get("value") for e in c.get("env", [])}
                assert env.get("PILOTZONE_SHARDS") == str(spec["completions"]), \
                    f"{path}: PILOTZONE_SHARDS {env.get('PILOTZONE_SHARDS')} != completions {spec['completions']}"
            for a in args:
                if a.endswith(".ron"):
                    assert os.path.isfile(a), f"{path}: {doc['metadata']['name']} names {a}, not in the repository"
        print(f"{path}: job {doc['metadata']['name']} matches pilotzone's arguments")
PY
