/** Whole-system tests: the CLI as a subprocess, several nodes on loopback, hostile guests. */
package dev.weft.integration;
