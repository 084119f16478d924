/** Thrown at boot when a variable is invalid; the message names the variable, never a secret's value. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
