import bcrypt from 'bcryptjs';

// Compared against when the user name is unknown, so a wrong name costs as long as a wrong
// password and the reply time does not tell which names exist. (bcrypt of a random string.)
const DUMMY_HASH = '$2b$10$8qMBY3nVqR7Bkqulw78nDOJIeZiIO/LFBlNrqhbRGHuc9l972Qc2e';

/** True when `password` matches the bcrypt `hash`; an absent hash never matches. */
export async function verifyPassword(hash: string | undefined, password: string): Promise<boolean> {
  const matches = await bcrypt.compare(password, hash ?? DUMMY_HASH);
  return hash !== undefined && matches;
}
