/**
 * Supervisors: child specs, restart strategies (one_for_one, one_for_all, rest_for_one,
 * simple_one_for_one) and restart intensity, for Java and Wasm children. Built on
 * {@code dev.weft.process}; nothing here yet (see the supervision issue).
 */
package dev.weft.supervision;
