CREATE TYPE "public"."organization_type_code" AS ENUM('commissioner', 'provider', 'health_board');--> statement-breakpoint
CREATE TABLE "jurisdictions" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "organizations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"type_code" "organization_type_code" NOT NULL,
	"jurisdiction_id" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"auth0_organization_id" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "organizations_auth0_organization_id_key" UNIQUE("auth0_organization_id")
);
--> statement-breakpoint
ALTER TABLE "organizations" ADD CONSTRAINT "organizations_jurisdiction_id_jurisdictions_id_fk" FOREIGN KEY ("jurisdiction_id") REFERENCES "public"."jurisdictions"("id") ON DELETE restrict ON UPDATE cascade;--> statement-breakpoint
CREATE INDEX "organizations_jurisdiction_id_idx" ON "organizations" USING btree ("jurisdiction_id");