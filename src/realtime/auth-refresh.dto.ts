import { IsString, Length } from 'class-validator';
import { TOKEN_MAX_LENGTH } from '../auth/token-rules';

/** `data` of `auth.refresh`. */
export class AuthRefreshDto {
  /** A compact JWT (RFC 7519) of 1-8,192 characters for this socket's own `sub`. */
  @IsString()
  @Length(1, TOKEN_MAX_LENGTH)
  token!: string;
}
