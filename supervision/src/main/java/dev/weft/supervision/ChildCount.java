package dev.weft.supervision;

/**
 * A supervisor's children counted, as OTP's {@code count_children}.
 *
 * @param specs child specs (1 for a {@link Strategy#SIMPLE_ONE_FOR_ONE} supervisor, as OTP counts them)
 * @param active children with a live process
 * @param supervisors children of type supervisor, alive or not (for simple_one_for_one: its children)
 * @param workers children of type worker, alive or not
 */
public record ChildCount(int specs, int active, int supervisors, int workers) {}
