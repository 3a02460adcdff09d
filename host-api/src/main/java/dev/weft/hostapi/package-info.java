/**
 * The guest ABI: Lunatic's {@code lunatic::*} host functions on Chicory ({@link dev.weft.hostapi.LunaticHost}),
 * and the C guest SDK under {@code src/main/c}. Implemented so far: {@code lunatic::message},
 * most of {@code lunatic::process} (not spawn, modules or configs), {@code lunatic::timer},
 * {@code lunatic::version}, {@code lunatic::error}; every other function links with its exact
 * signature and traps as not implemented yet.
 */
package dev.weft.hostapi;
