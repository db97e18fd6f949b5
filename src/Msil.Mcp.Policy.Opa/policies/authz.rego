# The decision of seed §6.1: may this caller list or execute this tool?
#
#   POST /v1/data/msil/authz
#   {"input": {"user": {"id": "bob", "roles": ["operator"], "groups": ["dealer-ops"], "scopes": ["bookings.write"]},
#              "tool": {"name": "create_booking", "risk_level": "write", "version": "1.0.0", "required_scopes": ["bookings.write"]},
#              "action": "execute"}}
#   → {"result": {"allow": true, "reason": "role 'operator' may use write tools", "decision": {…}}}
#
# Order (the embedded engine of Msil.Mcp.Policy.Opa applies the same, and policies/cases.json holds both to it):
#   1. an unauthenticated caller, an unknown action or an unknown risk level is denied;
#   2. a tool's deny rule (role, then group) beats everything;
#   2b. a call ("execute") whose token lacks one of the tool's required_scopes is denied with a reason that starts with
#       "insufficient_scope" and names the missing scopes (sorted, space-separated);
#   3. a tool's allow rule (role, then group) allows;
#   4. otherwise one of the caller's roles must allow the tool's risk level.
# Apart from 2b, "list" is decided exactly like "execute": a user sees only the tools they may call (and a tool whose
# scopes the token lacks, so the client learns from the call which scopes to ask for).
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
} else := {"allow": false, "reason": sprintf("insufficient_scope: tool '%s' requires scopes the token lacks: %s", [input.tool.name, concat(" ", sort(missing_scopes))])} if {
	input.action == "execute"
	count(missing_scopes) > 0
} else := {"allow": true, "reason": r} if {
	r := tool_access.allow_reason
} else := {"allow": true, "reason": r} if {
	r := rbac.allow_reason
} else := {"allow": false, "reason": rbac.deny_reason}

# The scopes the tool requires (from its OpenAPI security requirement) that the caller's token does not carry.
missing_scopes := {s |
	some s in object.get(input.tool, "required_scopes", [])
	is_string(s)
	not s in object.get(input.user, "scopes", [])
}
