/**
 * Supervisors, as Erlang/OTP's {@code supervisor}: a {@link dev.weft.supervision.Supervisor} is a
 * process that starts the children of a {@link dev.weft.supervision.SupervisorSpec} (each a
 * {@link dev.weft.supervision.ChildSpec}: a Java or Wasm process body, a
 * {@link dev.weft.supervision.Restart} type, a {@link dev.weft.supervision.Shutdown} and a
 * {@link dev.weft.supervision.ChildType}), restarts them by its {@link dev.weft.supervision.Strategy}
 * (one_for_one, one_for_all, rest_for_one, simple_one_for_one) within a restart intensity, and
 * answers start_child, terminate_child, restart_child, delete_child, which_children and
 * count_children. Supervisors nest into trees. Built on {@code dev.weft.process}.
 */
package dev.weft.supervision;
