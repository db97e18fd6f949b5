# The decision of seed §6.1: may this caller list or execute this tool?
#
#   POST /v1/data/msil/authz
#   {"input": {"user": {"id": "bob", "roles": ["operator"], "groups": ["dealer-ops"]},
#              "tool": {"name": "create_booking", "risk_level": "write", "version": "1.0.0"},
#              "action": "execute"}}
#   → {"result": {"allow": true, "reason": "role 'operator' may use write tools", "decision": {…}}}
#
# Order (the embedded engine of Msil.Mcp.Policy.Opa applies the same, and policies/cases.json holds both to it):
#   1. an unauthenticated caller, an unknown action or an unknown risk level is denied;
#   2. a tool's deny rule (role, then group) beats everything;
#   3. a tool's allow rule (role, then group) allows;
#   4. otherwise one of the caller's roles must allow the tool's risk level.
# "list" is decided exactly like "execute": a user sees only the tools they may call.
package msil.authz

import rego.v1

import data.msil.rbac
import data.msil.tool_access

default allow := false

# Always a string, so every answer says why.
default reason := "denied: the policy reached no decision"

allow := decision.allow

reason := decision.reason

decision := {"allow": false, "reason": "authentication required"} if {
	not rbac.authenticated
} else := {"allow": false, "reason": sprintf("unknown action '%v'; expected execute or list", [object.get(input, "action", "")])} if {
	not tool_access.action_known
} else := {"allow": false, "reason": "the tool has no name"} if {
	not tool_access.tool_named
} else := {"allow": false, "reason": sprintf("tool '%s' has an unknown risk level '%v'; expected read, write or privileged", [input.tool.name, object.get(input.tool, "risk_level", "")])} if {
	not rbac.risk_level_known
} else := {"allow": false, "reason": r} if {
	r := tool_access.deny_reason
} else := {"allow": true, "reason": r} if {
	r := tool_access.allow_reason
} else := {"allow": true, "reason": r} if {
	r := rbac.allow_reason
} else := {"allow": false, "reason": rbac.deny_reason}
