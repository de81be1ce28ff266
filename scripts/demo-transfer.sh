#!/usr/bin/env bash
# A full transfer and its 备案 over the API, with curl. Run against a platform started with
# `npm start` on a fresh data directory, passing the temporary passwords it printed:
#
#   AGENCY_PW='…' HEAD_PW='…' JCY_PW='…' bash scripts/demo-transfer.sh
#
# Each demo account changes its temporary password to $NEW_PW first (as it must).
set -euo pipefail
BASE=${BASE:-http://127.0.0.1:7001/api/v1}
NEW_PW=${NEW_PW:-Demo#Transfer2026}
: "${AGENCY_PW:?临时密码：ft.scjg}" "${HEAD_PW:?临时密码：ft.scjg.head}" "${JCY_PW:?临时密码：ft.jcy}"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

json() { node -e "let s='';process.stdin.on('data',d=>s+=d).on('end',()=>{const v=JSON.parse(s);const r=($1);console.log(typeof r==='string'?r:JSON.stringify(r))})"; }
post() { curl -sf -X POST "$BASE$1" -H "Authorization: Bearer $2" -H 'Content-Type: application/json' -d "$3"; }

# Log in with the temporary password and change it; prints the new access token.
login() {
  local tokens
  tokens=$(curl -sf -X POST "$BASE/auth/login" -H 'Content-Type: application/json' -d "{\"username\":\"$1\",\"password\":\"$2\"}")
  post /auth/password "$(echo "$tokens" | json v.accessToken)" "{\"oldPassword\":\"$2\",\"newPassword\":\"$NEW_PW\"}" | json v.accessToken
}

# Upload one small PDF of a document type; prints its id.
upload() {
  printf '%%PDF-1.4\n%% %s\n%%%%EOF\n' "$3" > "$tmp/$3.pdf"
  curl -sf -X POST "$BASE/cases/$1/documents?docType=$3" -H "Authorization: Bearer $2" -F "file=@$tmp/$3.pdf" | json 'v[0].id'
}

act() { # case token transition documentIds-json
  local version
  version=$(curl -sf "$BASE/cases/$1" -H "Authorization: Bearer $2" | json v.version)
  post "/cases/$1/actions" "$2" "{\"transition\":\"$3\",\"version\":$version,\"documentIds\":${4:-[]}}" | json '`${v.platformNo} → ${v.stateLabel}`'
}

AGENCY=$(login ft.scjg "$AGENCY_PW"); HEAD=$(login ft.scjg.head "$HEAD_PW"); JCY=$(login ft.jcy "$JCY_PW")

echo "1. 执法机关登记案件"
CASE=$(post /cases "$AGENCY" '{"agencyCaseNo":"FT-DEMO-001","title":"某商行销售假冒注册商标的商品案","suspectedOffence":"销售假冒注册商标的商品罪","amountInvolved":"168000","parties":[{"kind":"company","name":"某商行"}]}' | json v.id)
echo "2. 承办人提交移送报告"; act "$CASE" "$AGENCY" submit_report "[$(upload "$CASE" "$AGENCY" transfer_report)]"
echo "3. 负责人批准移送";   act "$CASE" "$HEAD" approve_transfer
echo "4. 移送公安机关，同时向检察院备案（五份材料）"
docs=$(for t in transfer_letter investigation_report evidence_list expert_report other; do upload "$CASE" "$AGENCY" "$t"; done | paste -sd, -)
act "$CASE" "$AGENCY" transfer "[$docs]"
echo "5. 检察院签收备案"
FILING=$(curl -sf "$BASE/filings?signed=false" -H "Authorization: Bearer $JCY" | json "v.items.find(f=>f.caseId===$CASE).id")
post "/filings/$FILING/sign" "$JCY" '{}' | json '`${v.procuratorate.name} 于 ${v.signedAt} 签收，材料：${v.materials.map(m=>m.fileName).join("、")}`'
echo "6. 执法机关看到的备案状态与待办"
curl -sf "$BASE/cases/$CASE" -H "Authorization: Bearer $AGENCY" | json '`备案签收：${v.filing.signedAt}；公安机关：${v.police.name}；状态：${v.stateLabel}`'
