/**
 * The guest ABI: Lunatic's {@code lunatic::*} host functions and Weft's {@code weft::*} ones on
 * Chicory ({@link dev.weft.hostapi.LunaticHost}, which lists what is implemented), the ABI tables
 * ({@link dev.weft.hostapi.LunaticAbi}, {@link dev.weft.hostapi.WeftAbi}), WASI for processes
 * ({@link dev.weft.hostapi.Wasi}), and the C guest SDK under {@code src/main/c}. Every function
 * links with its exact signature; those not implemented yet trap as such. The classes of each ABI
 * module are in {@code dev.weft.hostapi.internal}.
 */
package dev.weft.hostapi;
