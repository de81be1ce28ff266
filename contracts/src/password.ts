/**
 * Password rules (等保 level 3 practice, DOMAIN.md "Security expectations"): at least
 * 8 characters, at least 3 of upper / lower / digit / symbol, not containing the account
 * name. Shared so clients can show the same messages before the server refuses.
 */
export function passwordProblems(password: string, username: string, minLength = 8): string[] {
  const problems: string[] = [];
  if (password.length < minLength) problems.push(`长度不少于 ${minLength} 位`);
  const classes = [/[A-Z]/, /[a-z]/, /\d/, /[^A-Za-z0-9]/].filter((re) => re.test(password)).length;
  if (classes < 3) problems.push('须包含大写字母、小写字母、数字、符号中的至少三类');
  if (username && password.toLowerCase().includes(username.toLowerCase())) problems.push('不得包含用户名');
  return problems;
}
