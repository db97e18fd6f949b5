# Role-based access: the caller's roles (compared case-insensitively) and the risk levels data.roles gives each role.
package msil.rbac

import rego.v1

risk_levels := {"read", "write", "privileged"}

# The caller as the MCP server established it from a validated token.
authenticated if {
	object.get(input.user, "authenticated", true) == true
	is_string(input.user.id)
	input.user.id != ""
}

# The caller's roles, lower-cased.
user_roles contains role if {
	some r in object.get(input.user, "roles", [])
	is_string(r)
	role := lower(r)
}

# The tool's risk level, lower-cased.
risk_level := lower(input.tool.risk_level) if is_string(input.tool.risk_level)

risk_level_known if risk_level in risk_levels

# Lower-cased role name → the set of risk levels data.roles allows it.
role_levels[role] := levels if {
	some name, definition in data.roles
	role := lower(name)
	levels := {lower(level) | some level in object.get(definition, "risk_levels", []); is_string(level)}
}

# The caller's roles that allow the tool's risk level.
permitting_roles contains role if {
	some role in user_roles
	risk_level in role_levels[role]
}

# The first permitting role in ordinal order names the reason, so the answer does not depend on the token's role order.
allow_reason := sprintf("role '%s' may use %s tools", [min(permitting_roles), risk_level]) if {
	count(permitting_roles) > 0
}

deny_reason := sprintf("the caller has no role; %s tools need a role that allows them", [risk_level]) if {
	count(user_roles) == 0
} else := sprintf("no role of the caller (%s) may use %s tools", [concat(", ", sort(user_roles)), risk_level])
