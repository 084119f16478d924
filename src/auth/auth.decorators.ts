import { createParamDecorator, CustomDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { Principal, Role } from './principal';

export const IS_PUBLIC = 'herald:isPublic';
export const REQUIRED_ROLES = 'herald:requiredRoles';

/** Marks a route as reachable without a bearer token. */
export const Public = (): CustomDecorator => SetMetadata(IS_PUBLIC, true);

/** Requires any one of the given roles (403 otherwise). */
export const Roles = (...roles: Role[]): CustomDecorator => SetMetadata(REQUIRED_ROLES, roles);

/** The verified caller of a REST route. */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Principal => context.switchToHttp().getRequest<{ user: Principal }>().user,
);
