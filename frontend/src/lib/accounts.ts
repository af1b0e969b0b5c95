/** The API refuses shorter passwords (422); forms say so before sending. */
export const MIN_PASSWORD_LENGTH = 8;
